/**
 * A progress line on stderr: rewritten in place (\r) on a terminal, at most once a second; one
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

  constructor(private readonly enabled: boolean, private readonly total: number) {}

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
    const line = `synthetic ${String(pct).padStart(3)}% ${clock(elapsed)} eta ${clock(eta)} | ${describe()}`;
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
