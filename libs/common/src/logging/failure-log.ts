/** What a task's failure line carries, besides what the caller adds. */
export interface TaskFailureFields {
  taskId?: string;
  queue?: string;
  consumerId?: string;
  [field: string]: unknown;
}

/** The part of a Nest Logger this needs. */
interface WarnLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

const WINDOW_MS = 1_000;
/** Ids listed in a summary line; the count says how many more there were. */
const SAMPLE = 10;

/**
 * A line per failed task, bounded: the first `perSecond` failures of each second are logged one by
 * one; beyond that they are counted, and one summary line at the end of the second gives how many
 * more there were, with some of their task ids, their queues and their consumers. A consumer
 * failing thousands of tasks a second costs `perSecond + 1` lines a second, not thousands.
 */
export class FailureLog {
  private windowStart = -Infinity;
  private logged = 0;
  private suppressed = 0;
  private taskIds = new Set<string>();
  private queues = new Set<string>();
  private consumerIds = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly logger: WarnLogger,
    /** What is failing, for the summary: "retries", "handler failures"… */
    private readonly what: string,
    private readonly perSecond = 10,
    private readonly now: () => number = Date.now,
  ) {}

  report(message: string, fields: TaskFailureFields): void {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.flush();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged < this.perSecond) {
      this.logged++;
      this.logger.warn(message, fields);
      return;
    }
    this.suppressed++;
    if (fields.taskId && this.taskIds.size < SAMPLE) this.taskIds.add(fields.taskId);
    if (fields.queue && this.queues.size < SAMPLE) this.queues.add(fields.queue);
    if (fields.consumerId && this.consumerIds.size < SAMPLE) this.consumerIds.add(fields.consumerId);
    // Not holding the process open: at exit the summary is written by flush(), or lost with the count.
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + WINDOW_MS - now)).unref();
  }

  /** Writes the summary of what was counted and not logged, if anything was. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    this.logger.warn(`${this.suppressed} more ${this.what} within a second, not logged one by one`, {
      count: this.suppressed,
      taskIds: [...this.taskIds],
      queues: [...this.queues],
      consumerIds: [...this.consumerIds],
    });
    this.suppressed = 0;
    this.taskIds = new Set();
    this.queues = new Set();
    this.consumerIds = new Set();
  }
}
