import { backoffDelay, BackoffPolicy, Clock, MetricsRegistry, retentionMs, TTL_SLACK_MS } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys, runScript, StoreMode, storeTaskScript } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { BrokerEnvironment } from '../config/environment';
import { ConsumerRegistry } from '../consumers/consumer-registry.service';
import { FailOutcome } from '../scripts/fail.lua';
import { Ack } from './ack-batch.pipe';
import { groupByQueue, NamedDelivery } from './delivery-id';
import { DeliveryStore, FailedDelivery } from './delivery-store';
import { QueueWakers } from './queue-wakers';

/** A consumer answering 503 (buffers full), or a run lost to shutdown, goes out again after this long. */
export const RELEASE_PAUSE_MS = 100;

/** A failure as its callers report it; when it may go again follows from its mode and attempt. */
export type Failure = Omit<FailedDelivery, 'retryAt'>;

/**
 * What becomes of a delivery once it is out: acked (the task leaves its queue), or failed (back
 * after an exponential backoff, to the dead letters once its retries are spent). Acks come from
 * consumers, failures from nacks, the sender and the reaper. A consumer without Redis access acks
 * with the handler's `result`; the broker then stores the task itself, under the same checks as the
 * consumer's own store (only the current delivery, never a cancelled task).
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

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly store: DeliveryStore,
    private readonly wakers: QueueWakers,
    private readonly consumers: ConsumerRegistry,
    private readonly clock: Clock,
    config: ConfigService<BrokerEnvironment, true>,
    metrics: MetricsRegistry,
  ) {
    this.backoff = { baseMs: config.get('BACKOFF_BASE_MS'), factor: config.get('BACKOFF_FACTOR'), capMs: config.get('BACKOFF_CAP_MS') };
    this.keepMs = retentionMs(config.get('RETENTION_DAYS')) + TTL_SLACK_MS;
    this.acked = metrics.counter('tq_acked_total', 'Deliveries acked as stored');
    this.ignoredAcks = metrics.counter('tq_acks_ignored_total', 'Acks naming no current delivery (stale, replayed, forged or unreadable)');
    this.retried = metrics.counter('tq_retried_total', 'Deliveries that failed and were scheduled again');
    this.deadLettered = metrics.counter('tq_dead_lettered_total', 'Tasks moved to dead letters');
    this.latency = metrics.histogram('tq_accept_to_ack_seconds', 'Time from a task being accepted, or released by the scheduler when due, to its ack', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  }

  /** One consumer's acks and nacks. */
  async ack(acks: Ack[], consumerId: string): Promise<void> {
    const { byQueue, unreadable } = groupByQueue(acks);
    const failed: Failure[] = [];
    let completed = 0;
    await Promise.all(
      [...byQueue].map(async ([queue, deliveries]) => {
        const ok = deliveries.filter(({ item }) => item.ok);
        for (const { item, ...ref } of deliveries) {
          // A run lost to its consumer's shutdown goes out again without counting the attempt.
          if (!item.ok) failed.push({ ...ref, error: item.error ?? 'handler failed', mode: item.outcome === 'lost' ? 'release' : 'fail', outcome: item.outcome ?? 'failed' });
        }
        if (ok.length === 0) return;
        const reply = await this.store.ack(queue, ok);
        let readyMs = reply.readyMs;
        if (reply.unstored.length) {
          const results = new Map(ok.map(({ item }) => [item.delivery_id, item]));
          await this.storeForConsumer(consumerId, reply.unstored, results);
          readyMs = readyMs.concat((await this.store.ack(queue, reply.unstored)).readyMs);
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
    if (ignored > 0) this.logger.warn(`${ignored} of ${acks.length} acks from consumer ${consumerId} named no current delivery (${unreadable} unreadable)`);
    await this.fail(failed);
  }

  /**
   * Stores what a consumer without Redis access acked: with its result when it ran the handler;
   * without one, as stored to await its run (a type it has a handler for, not yet due) or as
   * store-only (a type it only stores).
   */
  private async storeForConsumer(consumerId: string, unstored: Array<NamedDelivery & { taskType: string }>, acks: Map<string, Ack>): Promise<void> {
    const types = new Set(await this.consumers.typesOf(consumerId));
    const keys = unstored.map(({ taskId }) => this.keys.task(taskId));
    keys.push(this.keys.scheduledIndex, this.keys.completeIndex);
    const args: (string | number)[] = [this.clock.now(), this.keepMs];
    for (const { deliveryId, taskType } of unstored) {
      const ack = acks.get(deliveryId);
      const ran = ack !== undefined && 'result' in ack;
      const mode = ran ? StoreMode.Ran : types.has(taskType) ? StoreMode.AwaitRun : StoreMode.StoreOnly;
      args.push(mode, ran && ack.result !== undefined && ack.result !== null ? JSON.stringify(ack.result) : '', '', deliveryId);
    }
    await runScript(this.redis, storeTaskScript, keys, args);
  }

  /** Sends failed deliveries back with a backoff (or to the dead letters), in one pipeline. */
  async fail(failures: Failure[]): Promise<void> {
    if (failures.length === 0) return;
    const now = this.clock.now();
    const timed = failures.map((failure) => ({
      ...failure,
      retryAt: failure.mode === 'release' ? now + RELEASE_PAUSE_MS : now + backoffDelay(Number(failure.attempt) || 1, this.backoff),
    }));
    const results = await this.store.fail(timed, now, this.keepMs);
    results.forEach(({ outcome, error }, i) => {
      const failure = timed[i];
      if (outcome === FailOutcome.RetryScheduled || outcome === FailOutcome.Released) this.wakers.wakeAt(failure.queue, failure.retryAt);
      if (error) this.logger.error(`failing delivery of ${failure.taskId}: ${error.message}`);
      else if (outcome === FailOutcome.RetryScheduled) this.retried.inc();
      else if (outcome === FailOutcome.DeadLettered) this.deadLettered.inc();
      else if (outcome === FailOutcome.OccurrenceFailed) this.logger.warn(`task ${failure.taskId}: this occurrence spent its retries; the series goes on to its next one`);
    });
    for (const queue of new Set(failures.map((f) => f.queue))) this.wakers.notify(queue);
  }
}
