import { backoffDelay } from '@app/common';
import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptedIds, rejectionReason, retryAfterMs } from './broker-response';
import { MAX_BATCH, MAX_CONCURRENCY, PRODUCER_SETTINGS, ProducerSettings } from './produce.constants';
import { ProduceSummary, ProduceTally } from './produce-tally';
import { ProducerMetrics } from './producer-metrics';
import { TaskBody, taskAt, TaskTemplate } from './task-template';

export interface ProduceOptions extends TaskTemplate {
  count: number;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Tasks per request (default 1); above 1 uses POST /tasks/bulk. */
  batch?: number;
}

export interface ProduceProgress {
  total: number;
  /** Tasks that reached an outcome: accepted, rejected or failed. */
  done: number;
  accepted: number;
  elapsedMs: number;
}

const STOPPED = 'stopped before the broker accepted it';

/**
 * Creates tasks from a template and submits them to the broker through a bounded pool of requests.
 * Ids are made here before the first attempt, so a resend after a lost answer cannot duplicate a task.
 * Used by POST /produce and, constructed by hand, by the CLI.
 */
@Injectable()
export class ProducerService implements OnModuleDestroy {
  private readonly runs = new Set<AbortController>();

  constructor(
    private readonly http: HttpService,
    @Inject(PRODUCER_SETTINGS) private readonly settings: ProducerSettings,
    private readonly metrics: ProducerMetrics,
  ) {}

  /** `stop` ends the run early (its caller went away): what was not sent counts as failed. */
  async produce(
    options: ProduceOptions,
    onProgress?: (progress: ProduceProgress) => void,
    stop?: AbortSignal,
  ): Promise<ProduceSummary> {
    const { count } = options;
    const batch = Math.min(MAX_BATCH, Math.max(1, options.batch ?? 1));
    const concurrency = Math.min(MAX_CONCURRENCY, Math.max(1, options.concurrency ?? 16), Math.ceil(count / batch));
    const controller = new AbortController();
    // Each request in flight listens on the run's signal; that many listeners are expected, not a leak.
    setMaxListeners(concurrency + 10, controller.signal);
    stop?.addEventListener('abort', () => controller.abort(), { once: true });
    this.runs.add(controller);
    const tally = new ProduceTally(this.metrics);
    const started = performance.now();
    const startMs = Date.now();
    let next = 0;

    const worker = async () => {
      while (next < count && !controller.signal.aborted) {
        const first = next;
        const size = Math.min(batch, count - first);
        next += size;
        const tasks = Array.from({ length: size }, (_, k) => taskAt(options, first + k, count, startMs, randomUUID()));
        tally.send(size);
        await this.submit(tasks, batch > 1, tally, controller.signal);
        onProgress?.({
          total: count,
          done: tally.done,
          accepted: tally.accepted,
          elapsedMs: performance.now() - started,
        });
      }
    };

    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      this.runs.delete(controller);
    }
    // A stopped run never sends the rest; they count as failed so accepted + rejected + failed == count.
    if (tally.sent < count) tally.fail(count - tally.sent, STOPPED);
    return tally.summary(performance.now() - started);
  }

  /** Stops the runs in progress (their unaccepted tasks count as failed) and closes idle sockets. */
  onModuleDestroy(): void {
    for (const run of this.runs) run.abort();
    const { httpAgent, httpsAgent } = this.http.axiosRef.defaults as { httpAgent?: Agent; httpsAgent?: Agent };
    httpAgent?.destroy();
    httpsAgent?.destroy();
  }

  /** One request with its retries; records its tasks' outcome in the tally. */
  private async submit(tasks: TaskBody[], bulk: boolean, tally: ProduceTally, signal: AbortSignal): Promise<void> {
    const { brokerUrl, backoff, maxBusyRetries, maxErrorRetries } = this.settings;
    const route = bulk ? '/tasks/bulk' : '/tasks';
    const url = `${brokerUrl}${route}`;
    const body = bulk ? tasks : tasks[0];
    const n = tasks.length;
    let errors = 0;
    let busy = 0;

    for (;;) {
      if (signal.aborted) return tally.fail(n, STOPPED);
      tally.requests++;
      let failure: string;
      const timer = this.metrics.requestDuration.startTimer({ route });
      try {
        const res = await this.http.axiosRef.post(url, body, { signal });
        timer({ code: String(res.status) });
        if (res.status >= 200 && res.status < 300) return tally.accept(n, acceptedIds(res.data));
        if (res.status === 503 || res.status === 429) {
          if (++busy > maxBusyRetries)
            return tally.fail(n, `${res.status}: still busy after ${maxBusyRetries} retries`);
          tally.retry(n, true);
          const wait = Math.max(retryAfterMs(res.headers['retry-after'], Date.now()), backoffDelay(busy, backoff));
          await sleep(wait, undefined, { signal }).catch(() => undefined);
          continue;
        }
        if (res.status >= 400 && res.status < 500) return tally.reject(n, rejectionReason(res.status, res.data));
        failure = rejectionReason(res.status, res.data);
      } catch (error) {
        timer({ code: 'error' });
        if (signal.aborted) return tally.fail(n, STOPPED);
        failure = error instanceof Error ? error.message : String(error);
      }
      // The tasks keep their ids, so if the broker stored them before the answer was lost, the
      // resend is answered 200 with the existing task rather than enqueued twice.
      if (++errors > maxErrorRetries) return tally.fail(n, failure);
      tally.retry(n, false);
      await sleep(backoffDelay(errors, backoff), undefined, { signal }).catch(() => undefined);
    }
  }
}
