/**
 * Progress of long jobs on stderr, stdout staying free for results.
 *
 * Progress: progress of a training run: a cli-progress bar with loss and throughput on a terminal, and
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

/**
 * ProgressLine: a progress line on stderr: rewritten in place (\r) on a terminal, at most once a second; one
 * line every 10% otherwise (logs, CI). stdout stays free for results.
 */
function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class ProgressLine {
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;
  private drawn = false;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly enabled: boolean, private readonly total: number, private readonly label: string) {}

  update(done: number, describe: () => string): void {
    if (!this.enabled) return;
    const now = performance.now();
    const decile = Math.floor((10 * done) / this.total);
    const due = this.tty ? now - this.lastDraw >= 1000 || done === this.total : decile !== this.lastDecile;
    if (!due) return;
    this.lastDraw = now;
    this.lastDecile = decile;
    const elapsed = (now - this.started) / 1000;
    const eta = done > 0 ? (elapsed * (this.total - done)) / done : NaN;
    const pct = Math.floor((100 * done) / this.total);
    const line = `${this.label} ${String(pct).padStart(3)}% ${clock(elapsed)} eta ${clock(eta)} | ${describe()}`;
    if (this.tty) {
      const width = process.stderr.columns ?? 160;
      process.stderr.write(`\r${line.slice(0, width - 1).padEnd(width - 1)}`);
      this.drawn = true;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.enabled && this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}
