/**
 * The training log: one JSON object per line (step, losses, every MI term, learning rate,
 * tokens/s). On resume, lines written after the checkpoint's step are dropped so the log matches
 * the resumed run exactly; that rewrite is atomic (atomic-dir.ts), so a kill during it keeps the
 * whole old log.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeStaleTemporaries, writeFileAtomically } from './atomic-dir.js';

export type LogRecord = { step: number; kind: string } & Record<string, unknown>;

export class JsonlLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    removeStaleTemporaries(path);
  }

  append(record: LogRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  read(): LogRecord[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((line) => {
      try {
        return [JSON.parse(line) as LogRecord];
      } catch {
        return []; // a line cut by a kill mid-write
      }
    });
  }

  /** Keeps only records up to and including `step`. */
  truncateAfter(step: number): void {
    const kept = this.read().filter((r) => r.step <= step);
    writeFileAtomically(this.path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}
