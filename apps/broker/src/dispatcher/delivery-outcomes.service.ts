import {
  backoffDelay,
  BackoffPolicy,
  Clock,
  FailureLog,
  isDueOnDelivery,
  MAX_RESULT_BYTES,
  MetricsRegistry,
  retentionMs,
  TTL_SLACK_MS,
} from '@app/common';
import { ScriptCode, StoreMode } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokerEnvironment } from '../config/environment';
import { ConsumerRegistry } from '../consumers/consumer-registry.service';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { FailOutcome } from '../scripts/fail.lua';
import { Ack } from './ack-batch.pipe';
import { groupByQueue, NamedDelivery } from './delivery-id';
import { DeliveryStore, FailedDelivery, UnstoredDelivery } from './delivery-store';
import { QueueWakers } from './queue-wakers';

/** A consumer answering 503 (buffers full), or a run lost to shutdown, goes out again after this long. */
export const RELEASE_PAUSE_MS = 100;

const TOO_LARGE = Symbol('too large');

/** An ack's result as the JSON to store ('' for null), or TOO_LARGE past MAX_RESULT_BYTES. */
function resultJson(result: unknown): string | typeof TOO_LARGE {
  if (result === null || result === undefined) return '';
  const json = JSON.stringify(result);
  return Buffer.byteLength(json) > MAX_RESULT_BYTES ? TOO_LARGE : json;
}

/** A failure as its callers report it; when it may go again follows from its mode and attempt. */
export type Failure = Omit<FailedDelivery, 'retryAt'>;

/**
 * What becomes of a delivery once it is out: acked (the task leaves its queue), or failed (back
 * after an exponential backoff, to the dead letters once its retries are spent). Acks come from
 * consumers, failures from nacks, the sender and the reaper. A consumer without Redis access acks
 * with the handler's `result`; the broker then stores the task itself with the consumer's store
 * script (only the task's current delivery, only from the consumer it went to, never a cancelled
 * task, never as run before it is due).
 */
@Injectable()
export class DeliveryOutcomes {
  private readonly logger = new Logger(DeliveryOutcomes.name);
  private readonly backoff: BackoffPolicy;
  private readonly keepMs: number;
  private readonly acked;
  private readonly ignoredAcks;
  private readonly retried;
  private readonly deadLettered;
  private readonly latency;
  /** A line per retry and per dead-lettering, bounded: a consumer failing everything must not flood the log. */
  private readonly retryLog = new FailureLog(this.logger, 'retries');
  private readonly deadLetterLog = new FailureLog(this.logger, 'dead-letterings');

  constructor(
    private readonly store: DeliveryStore,
    private readonly wakers: QueueWakers,
    private readonly consumers: ConsumerRegistry,
    private readonly queues: QueueRegistry,
    private readonly clock: Clock,
    config: ConfigService<BrokerEnvironment, true>,
    metrics: MetricsRegistry,
  ) {
    this.backoff = {
      baseMs: config.get('BACKOFF_BASE_MS'),
      factor: config.get('BACKOFF_FACTOR'),
      capMs: config.get('BACKOFF_CAP_MS'),
    };
    this.keepMs = retentionMs(config.get('RETENTION_DAYS')) + TTL_SLACK_MS;
    this.acked = metrics.counter('tq_acked_total', 'Deliveries acked as stored');
    this.ignoredAcks = metrics.counter(
      'tq_acks_ignored_total',
      'Acks naming no current delivery (stale, replayed, forged or unreadable)',
    );
    this.retried = metrics.counter('tq_retried_total', 'Deliveries that failed and were scheduled again');
    this.deadLettered = metrics.counter('tq_dead_lettered_total', 'Tasks moved to dead letters');
    this.latency = metrics.histogram(
      'tq_accept_to_ack_seconds',
      'Time from a task being accepted (for one due later, from its due time) to its ack',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
  }

  /** One consumer's acks and nacks. */
  async ack(acks: Ack[], consumerId: string): Promise<void> {
    const { byQueue, unreadable } = await groupByQueue(acks, (queue) => this.queues.isDeclared(queue));
    const failed: Failure[] = [];
    let completed = 0;
    await Promise.all(
      [...byQueue].map(async ([queue, deliveries]) => {
        const ok: NamedDelivery[] = [];
        const results = new Map<string, string>();
        for (const { item, ...ref } of deliveries) {
          const result = item.ok && 'result' in item ? resultJson(item.result) : undefined;
          if (item.ok && result !== TOO_LARGE) {
            ok.push(ref);
            if (result !== undefined) results.set(item.delivery_id, result);
          } else {
            // A run lost to its consumer's shutdown goes out again without counting the attempt.
            const error = item.ok
              ? `the result is over ${MAX_RESULT_BYTES} bytes of JSON`
              : (item.error ?? 'handler failed');
            failed.push({
              ...ref,
              error,
              mode: item.outcome === 'lost' ? 'release' : 'fail',
              outcome: item.outcome ?? 'failed',
              consumerId,
            });
          }
        }
        if (ok.length === 0) return;
        const reply = await this.store.ack(queue, consumerId, ok);
        let readyMs = reply.readyMs;
        if (reply.unstored.length) {
          const stored = await this.storeForConsumer(consumerId, reply.unstored, results);
          if (stored.length) readyMs = readyMs.concat((await this.store.ack(queue, consumerId, stored)).readyMs);
        }
        completed += readyMs.length;
        const now = this.clock.now();
        for (const ready of readyMs) this.latency.observe((now - ready) / 1000);
        this.wakers.notify(queue);
      }),
    );
    this.acked.inc(completed);
    const ignored = acks.filter((ack) => ack.ok).length - completed;
    this.ignoredAcks.inc(ignored);
    // Once per request, not per id: a consumer holding many stale deliveries must not flood the log.
    if (ignored > 0)
      this.logger.warn(
        `${ignored} of ${acks.length} acks from consumer ${consumerId} completed nothing ` +
          `(stale, repeated or unreadable: ${unreadable} unreadable)`,
      );
    await this.fail(failed);
  }

  /**
   * Stores what a consumer without Redis access acked, and returns the deliveries stored. A run's
   * ack carries `result` (null for none): stored as ran, but only once the task is due (an early
   * run is not its run: it waits for its time). Without `result`: a type the consumer has a
   * handler for is stored awaiting its run (the scheduler sends it out again when due, at once if
   * it is already), a type it only stores (`*`) as store-only. A consumer whose registration is
   * gone stores nothing: its types are unknown, and the lease decides.
   */
  private async storeForConsumer(
    consumerId: string,
    unstored: UnstoredDelivery[],
    results: Map<string, string>,
  ): Promise<NamedDelivery[]> {
    const types = await this.consumers.typesOf(consumerId);
    if (types.length === 0) return [];
    const now = this.clock.now();
    const stores = unstored.map((delivery) => {
      const result = results.get(delivery.deliveryId);
      const due = isDueOnDelivery(delivery.periodicity, delivery.scheduledMs, delivery.triggeredMs, now);
      const handled = types.includes(delivery.taskType);
      const mode = result !== undefined && due ? StoreMode.Ran : handled ? StoreMode.AwaitRun : StoreMode.StoreOnly;
      return {
        taskId: delivery.taskId,
        deliveryId: delivery.deliveryId,
        mode,
        result: mode === StoreMode.Ran ? result! : '',
      };
    });
    const outcomes = await this.store.storeForConsumer(stores, now, this.keepMs);
    const refused = outcomes.filter((outcome) => outcome < 0 && outcome !== ScriptCode.TaskNotFound);
    if (refused.length) {
      const reasons = [...new Set(refused)].map((code) => ScriptCode[code] ?? code).join(', ');
      this.logger.warn(`${refused.length} tasks acked by consumer ${consumerId} were not stored (${reasons})`);
    }
    return unstored.filter((_, i) => outcomes[i] >= 0);
  }

  /** Sends failed deliveries back with a backoff (or to the dead letters), in one pipeline. */
  async fail(failures: Failure[]): Promise<void> {
    if (failures.length === 0) return;
    const now = this.clock.now();
    const timed = failures.map((failure) => ({
      ...failure,
      retryAt:
        failure.mode === 'release'
          ? now + RELEASE_PAUSE_MS
          : now + backoffDelay(Number(failure.attempt) || 1, this.backoff),
    }));
    const results = await this.store.fail(timed, now, this.keepMs);
    results.forEach(({ outcome, error }, i) => {
      const failure = timed[i];
      if (outcome === FailOutcome.RetryScheduled || outcome === FailOutcome.Released)
        this.wakers.wakeAt(failure.queue, failure.retryAt);
      const fields = {
        taskId: failure.taskId,
        queue: failure.queue,
        consumerId: failure.consumerId,
        attempt: failure.attempt === '' ? undefined : Number(failure.attempt),
        error: failure.error,
      };
      if (error) this.logger.error(`failing delivery of ${failure.taskId}: ${error.message}`, fields);
      else if (outcome === FailOutcome.RetryScheduled) {
        this.retried.inc();
        const retryInMs = failure.retryAt - now;
        this.retryLog.report(`task ${failure.taskId} failed; retrying in ${retryInMs} ms`, { ...fields, retryInMs });
      } else if (outcome === FailOutcome.DeadLettered) {
        this.deadLettered.inc();
        this.deadLetterLog.report(`task ${failure.taskId} spent its retries; moved to the dead letters`, fields);
      } else if (outcome === FailOutcome.OccurrenceFailed)
        this.logger.warn(
          `task ${failure.taskId}: this occurrence spent its retries; the series goes on to its next one`,
          fields,
        );
    });
    for (const queue of new Set(failures.map((f) => f.queue))) this.wakers.notify(queue);
  }
}
