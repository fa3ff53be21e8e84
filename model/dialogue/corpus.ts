/** Reading a configured corpus split into episodes (download or local file). */
import type { Episode } from '../../data/dialogue/index.js';
import { loadDailyDialog, loadTopicalChat, loadWizardOfWikipedia, readJsonl } from '../../data/dialogue/index.js';
import type { DialogueTrainConfig } from './config.js';
import { ConfigError } from '../../core/index.js';

export type CorpusSource = DialogueTrainConfig['data']['train'];

export async function loadEpisodes(source: CorpusSource): Promise<Episode[]> {
  switch (source.corpus) {
    case 'dailydialog':
      return loadDailyDialog(source.split as 'train' | 'validation' | 'test', source.path ? { path: source.path } : {});
    case 'wizard-of-wikipedia':
      return loadWizardOfWikipedia(source.split as never, source.path ? { path: source.path } : {});
    case 'topical-chat':
      return loadTopicalChat(source.split as never, source.path ? { path: source.path } : {});
    case 'jsonl':
      if (!source.path) throw new ConfigError('a jsonl corpus needs data.<split>.path (a file with one {"turns": [...]} per line)');
      return readJsonl(source.path);
    default:
      throw new ConfigError(`unknown corpus '${(source as { corpus: string }).corpus}'`);
  }
}
