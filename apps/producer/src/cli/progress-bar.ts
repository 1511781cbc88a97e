import type { ProduceProgress } from '../produce/producer.service';

const WIDTH = 30;

/** "1m05s", "12s"; "--" when unknown. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
    : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** "[#########---------------------]  30.0%  300/1,000  1,234 tasks/s  ETA 1s" */
export function formatProgress(progress: ProduceProgress): string {
  const { total, done, elapsedMs } = progress;
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * WIDTH);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = done >= total ? 0 : rate > 0 ? ((total - done) * 1000) / rate : NaN;
  return [
    `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`,
    `${(fraction * 100).toFixed(1).padStart(5)}%`,
    `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`,
    `${Math.round(rate).toLocaleString('en-US')} tasks/s`,
    `ETA ${formatDuration(eta)}`,
  ].join('  ');
}

/**
 * Draws progress on a stream: redrawn in place on a terminal at most every `intervalMs`; as plain
 * lines, once a second at most, when the stream is a file or a pipe (a log should not fill with bars).
 */
export class ProgressBar {
  private last = -Infinity;
  private latest?: ProduceProgress;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  update(progress: ProduceProgress): void {
    this.latest = progress;
    const interval = this.stream.isTTY ? this.intervalMs : 1000;
    if (this.now() - this.last < interval) return;
    this.last = this.now();
    this.draw(progress);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.latest) this.draw(this.latest);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private draw(progress: ProduceProgress): void {
    if (this.stream.isTTY) this.stream.write(`\r${formatProgress(progress)}\x1b[K`);
    else this.stream.write(`${formatProgress(progress)}\n`);
  }
}
