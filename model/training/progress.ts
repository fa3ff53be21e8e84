/**
 * Progress of a long job on stderr: a cli-progress bar with loss and throughput on a terminal, and
 * a plain line every so often elsewhere (CI logs, pipes), so logs stay readable.
 */
import cliProgress from 'cli-progress';

export class Progress {
  private bar?: cliProgress.SingleBar;
  private lastLine = 0;

  constructor(private readonly total: number, start: number, private readonly unit: string) {
    if (process.stderr.isTTY && !process.env.JEST_WORKER_ID) {
      this.bar = new cliProgress.SingleBar({
        format: `{bar} {value}/{total} steps | loss {loss} | {throughput} ${unit}/s | eta {eta_formatted}`,
        stream: process.stderr, hideCursor: true,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(total, start, { loss: '-', throughput: '-' });
    }
  }

  update(step: number, values: { loss?: number; throughput: number }): void {
    if (this.bar) {
      this.bar.update(step, { loss: values.loss?.toFixed(4) ?? '-', throughput: values.throughput.toFixed(0) });
    } else if (!process.env.JEST_WORKER_ID && (performance.now() - this.lastLine > 10_000 || step === this.total)) {
      this.lastLine = performance.now();
      const loss = values.loss === undefined ? '' : ` | loss ${values.loss.toFixed(4)}`;
      process.stderr.write(`${step}/${this.total}${loss} | ${values.throughput.toFixed(0)} ${this.unit}/s\n`);
    }
  }

  note(message: string): void {
    if (process.env.JEST_WORKER_ID) return;
    if (this.bar) this.bar.stop();
    process.stderr.write(`${message}\n`);
    if (this.bar) this.bar.start(this.total, this.bar.getProgress() * this.total, { loss: '-', throughput: '-' });
  }

  stop(): void {
    this.bar?.stop();
  }
}
