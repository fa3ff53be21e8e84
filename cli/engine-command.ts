/** `demi engine [--backend NAME]`: which engine this machine gets, as JSON. */
import { selectBackend } from '../model/engine/index.js';

export async function engineCommand(argv: string[]): Promise<void> {
  const i = argv.indexOf('--backend');
  const info = await selectBackend(i >= 0 ? argv[i + 1] : undefined);
  console.log(JSON.stringify(info, null, 2));
}
