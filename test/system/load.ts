import { Ledger } from './ledger';
import { apiFetch, sleep, SYSTEM_QUEUES } from './cluster';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The i-th task of a run: spread over the queues, priorities 0..9, some handled by the echo handler,
 * most due now, some tomorrow, some periodic (daily, or a cron), with an id of the run's own.
 */
export function taskFor(
  tag: string,
  i: number,
  queues: string[] = SYSTEM_QUEUES,
  now = Date.now(),
): Record<string, unknown> {
  const task: Record<string, unknown> = {
    id: `${tag}-${i}`,
    task_name: tag,
    task_type: i % 5 === 0 ? 'echo' : 'work',
    binding_key: queues[i % queues.length],
    priority: i % 10,
    payload: { i, tag },
  };
  if (i % 4 === 1) task.scheduled_time = new Date(now + DAY_MS).toISOString();
  if (i % 7 === 3) task.periodicity = 'daily';
  if (i % 11 === 5) task.periodicity = '*/15 * * * *';
  return task;
}

export interface LoadOptions {
  /** The brokers to submit to, round-robin; read again for every attempt. */
  brokers: () => string[];
  ledger: Ledger;
  /** Names the run: ids are `<tag>-<i>` and task_name is the tag. */
  tag: string;
  total: number;
  batch?: number;
  /** Bulk requests in flight at once. */
  concurrency?: number;
  /** Pause between one worker's requests, to spread the run over time. */
  pauseMs?: number;
  queues?: string[];
  /** Makes the i-th task (default taskFor); its id must be `<tag>-<i>`. */
  make?: (tag: string, i: number) => Record<string, unknown>;
  /** How long one batch may keep failing (a broker down, Redis paused) before the run fails. */
  batchDeadlineMs?: number;
}

/**
 * Submits tasks through POST /tasks/bulk in the background, as a careful client does: a batch that
 * fails (connection refused, timeout, 5xx, 503) is resent with the same ids to the next broker
 * until one answers 201, so every task ends up accepted exactly once and in the ledger.
 */
export class Load {
  private static readonly running = new Set<Load>();
  accepted = 0;
  resent = 0;
  readonly done: Promise<void>;
  private stopped = false;
  private aborted = false;
  private next = 0;

  constructor(private readonly options: LoadOptions) {
    const workers = Array.from({ length: options.concurrency ?? 2 }, (_, w) => this.worker(w));
    Load.running.add(this);
    this.done = Promise.all(workers)
      .then(() => undefined)
      .finally(() => Load.running.delete(this));
    // The caller awaits `done` later; until then a failure must not count as unhandled.
    this.done.catch(() => undefined);
  }

  static start(options: LoadOptions): Load {
    return new Load(options);
  }

  /** Stops after the batches in flight; what was sent is still resent until accepted. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }

  /**
   * Ends every load still running, without waiting for its batches to be accepted: for afterEach,
   * so a case that failed half-way does not go on submitting (and keep jest alive) after it.
   */
  static async abortAll(): Promise<void> {
    const loads = [...Load.running];
    for (const load of loads) load.aborted = load.stopped = true;
    await Promise.allSettled(loads.map((load) => load.done));
  }

  /** Resolves once at least `n` tasks were accepted. */
  async until(n: number): Promise<void> {
    while (this.accepted < n) {
      if (await Promise.race([this.done.then(() => true), sleep(20).then(() => false)])) {
        if (this.accepted < n) throw new Error(`load finished with only ${this.accepted} accepted, waiting for ${n}`);
      }
    }
  }

  private async worker(w: number): Promise<void> {
    const { total, batch = 100, pauseMs = 0 } = this.options;
    let broker = w;
    while (!this.stopped && this.next < total) {
      const first = this.next;
      const size = Math.min(batch, total - first);
      this.next += size;
      const make = this.options.make ?? ((tag: string, i: number) => taskFor(tag, i, this.options.queues));
      const tasks = Array.from({ length: size }, (_, k) => make(this.options.tag, first + k));
      broker = await this.submit(tasks, broker);
      if (pauseMs) await sleep(pauseMs);
    }
  }

  private async submit(tasks: Record<string, unknown>[], broker: number): Promise<number> {
    const deadline = Date.now() + (this.options.batchDeadlineMs ?? 90_000);
    let lastError = '';
    for (let attempt = 0; ; attempt++) {
      if (this.aborted) throw new Error('the load was aborted');
      const urls = this.options.brokers();
      const url = urls[broker % Math.max(urls.length, 1)];
      try {
        if (!url) throw new Error('no broker is running');
        const res = await apiFetch(`${url}/tasks/bulk`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(tasks),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json().catch(() => ({}))) as { ids?: string[]; message?: unknown };
        if (res.status === 201 && Array.isArray(body.ids)) {
          const expected = tasks.map((t) => t.id);
          if (JSON.stringify(body.ids) !== JSON.stringify(expected))
            throw new Error(`the broker answered other ids than were sent`);
          this.options.ledger.addIds(body.ids);
          this.accepted += tasks.length;
          return broker;
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 429) {
          throw new Error(`${url} refused a valid batch: ${res.status} ${JSON.stringify(body.message)}`);
        }
        lastError = `${res.status} ${JSON.stringify(body.message)}`;
      } catch (error) {
        if (
          (error as Error).message.includes('refused a valid batch') ||
          (error as Error).message.includes('other ids')
        )
          throw error;
        lastError = (error as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(`a batch of ${tasks.length} was not accepted in time; last error: ${lastError}`);
      this.resent += tasks.length;
      broker++;
      await sleep(Math.min(50 * (attempt + 1), 500));
    }
  }
}
