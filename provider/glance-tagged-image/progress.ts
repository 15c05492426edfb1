import { formatBytes } from "./plan-line";

/**
 * Upload progress lines, at most one per `everyMs` (the CLI shows each host line as a message, so more would
 * flood it), plus a closing line with the average rate.
 */
export class ProgressReporter {
  private readonly started: number;
  private lastPrinted: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly print: (line: string) => void,
    private readonly everyMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    this.lastPrinted = this.started;
  }

  /** `sent` bytes so far; prints when the interval has passed since the last line. */
  update(sent: number): void {
    const t = this.now();
    if (t - this.lastPrinted < this.everyMs) return;
    this.lastPrinted = t;
    const percent = this.total > 0 ? Math.floor((sent / this.total) * 100) : 0;
    this.print(`${this.label}: ${percent}% of ${formatBytes(this.total)}, ${rate(sent, t - this.started)}`);
  }

  done(sent: number): void {
    const elapsed = this.now() - this.started;
    this.print(`${this.label}: 100% of ${formatBytes(sent)} in ${(elapsed / 1000).toFixed(1)} s, ${rate(sent, elapsed)}`);
  }
}

function rate(bytes: number, ms: number): string {
  const mibPerSecond = ms > 0 ? bytes / (1024 * 1024) / (ms / 1000) : 0;
  return `${mibPerSecond.toFixed(1)} MiB/s`;
}
