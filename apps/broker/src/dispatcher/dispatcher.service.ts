import { Clock, isDueOnDelivery, MetricsRegistry } from '@app/common';
import { logJobFailure } from '@app/redis';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokerEnvironment } from '../config/environment';
import { ConsumerInstance, ConsumerRegistry } from '../consumers/consumer-registry.service';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { DeliveryOutcomes, RELEASE_PAUSE_MS } from './delivery-outcomes.service';
import { DeliverySender, OutgoingTask } from './delivery-sender';
import { DeliveryStore } from './delivery-store';
import { QueueWakers } from './queue-wakers';

/**
 * Batches of one queue on the wire at once. While they are out, new tasks gather in pending and
 * the next claim takes them together: under load a batch per round trip instead of a POST per task.
 */
const MAX_SENDING_PER_QUEUE = 1;
/**
 * Bound of one POST /deliveries body, well under the consumer's MAX_BODY_BYTES: a batch of large
 * tasks is split rather than refused with 413 (and retried until it is dead-lettered).
 */
const MAX_DELIVERY_BYTES = 8 * 1024 * 1024;
/** A task's JSON beside its payload: names, times, ids. */
const TASK_OVERHEAD_BYTES = 600;

/**
 * Pushes each queue's tasks to the consumer that owns it, in batches, without waiting for them to
 * be processed: a delivery stays in the queue's in-flight set until the consumer acks it (see
 * DeliveryOutcomes), and one that is never acked is failed when its lease lapses (see Reaper). One
 * loop per queue, asleep while it has nothing to do (QueueWakers). All state is in Redis and every
 * step is a Lua script, so any number of broker replicas can run this at once, and a replica killed
 * mid-delivery leaves its deliveries to be reclaimed by the others (or by itself after a restart).
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DispatcherService.name);
  private running = false;
  private readonly loops = new Map<string, Promise<void>>();
  private readonly deliveries = new Set<Promise<void>>();
  /** Batches each queue has on the wire now. */
  private readonly sending = new Map<string, number>();
  /** When each queue last sent a batch (performance.now(): pacing, not task time), for DELIVERY_LINGER_MS. */
  private readonly lastSentAt = new Map<string, number>();
  /** The live consumers and their types as each queue's last claim saw them: a change releases its waiting tasks. */
  private readonly routingSeen = new Map<string, string>();
  private routingCache?: { live: ConsumerInstance[]; json: string };
  /** Queues whose consumer said it is full, and until when to leave it alone. */
  private readonly pausedUntil = new Map<string, number>();
  private supervisor?: NodeJS.Timeout;
  private readonly dispatched;

  constructor(
    private readonly store: DeliveryStore,
    private readonly sender: DeliverySender,
    private readonly outcomes: DeliveryOutcomes,
    private readonly wakers: QueueWakers,
    private readonly queues: QueueRegistry,
    private readonly consumers: ConsumerRegistry,
    private readonly config: ConfigService<BrokerEnvironment, true>,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.dispatched = metrics.counter('tq_dispatched_total', 'Tasks delivered to consumers');
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.supervisor = setInterval(() => this.superviseLoops(), 1_000);
    this.superviseLoops();
  }

  /** Stops claiming, then waits for deliveries already sent so their outcome is recorded. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearInterval(this.supervisor);
    this.wakers.wakeAll();
    await Promise.allSettled([...this.loops.values()]);
    await Promise.allSettled([...this.deliveries]);
  }

  private superviseLoops(): void {
    if (!this.running) return;
    this.queues
      .refreshIfStale()
      .then(() => this.wakeAllIfConsumersChanged())
      .then(() => {
        for (const { name } of this.queues.list()) {
          if (this.loops.has(name)) continue;
          const loop = this.runLoop(name).finally(() => {
            this.loops.delete(name);
            for (const perQueue of [this.sending, this.lastSentAt, this.routingSeen, this.pausedUntil])
              perQueue.delete(name);
          });
          this.loops.set(name, loop);
        }
      })
      .catch((error: Error) => logJobFailure(this.logger, 'refreshing queues', error));
  }

  private async runLoop(queue: string): Promise<void> {
    // A deleted queue's loop ends once this replica reloads the queue set, and forgets it.
    while (this.running && this.queues.has(queue)) {
      let pauseMs = 0;
      try {
        pauseMs = await this.dispatchOnce(queue);
      } catch (error) {
        logJobFailure(this.logger, `dispatching ${queue}`, error);
        pauseMs = this.config.get('DISPATCH_POLL_MS', { infer: true }) * 10;
      }
      if (pauseMs > 0) await this.wakers.sleep(queue, pauseMs);
    }
  }

  /**
   * A consumer joined, left or changed its types: a queue whose last look saw other consumers may
   * have work it can send now (tasks waiting for a capable consumer, a queue that had no owner).
   */
  private async wakeAllIfConsumersChanged(): Promise<void> {
    const routing = this.routingOf(await this.consumers.liveConsumers());
    for (const { name } of this.queues.list()) if (this.routingSeen.get(name) !== routing) this.wakers.notify(name);
  }

  /**
   * Claims and sends one round of batches; returns how long to wait before the next (0: go on).
   * An idle queue waits DISPATCH_IDLE_MS: work wakes it sooner (see QueueWakers and its callers).
   */
  private async dispatchOnce(queue: string): Promise<number> {
    const idle = this.config.get('DISPATCH_IDLE_MS', { infer: true });
    const paused = (this.pausedUntil.get(queue) ?? 0) - this.clock.now();
    if (paused > 0) return paused;
    // A batch coming back notifies the queue, so this wait ends as soon as there is room.
    if ((this.sending.get(queue) ?? 0) >= MAX_SENDING_PER_QUEUE)
      return this.config.get('DISPATCH_POLL_MS', { infer: true });
    const lingering =
      (this.lastSentAt.get(queue) ?? -Infinity) +
      this.config.get('DELIVERY_LINGER_MS', { infer: true }) -
      performance.now();
    if (lingering > 0) return lingering;
    const live = await this.consumers.liveConsumers();
    const routing = this.routingOf(live);
    const owner = (await this.consumers.assignment()).get(queue);
    if (!owner) {
      // Seen, so only a change of consumers wakes it again (wakeAllIfConsumersChanged).
      this.routingSeen.set(queue, routing);
      return idle;
    }
    const now = this.clock.now();
    const { claimed, corrupt } = await this.store.claim(queue, {
      now,
      window: this.config.get('PREFETCH_WINDOW', { infer: true }),
      // A batch may go to any live consumer, so it fits the smallest.
      batch: Math.min(this.config.get('DELIVERY_BATCH', { infer: true }), ...live.map((consumer) => consumer.capacity)),
      leaseDeadline: now + this.config.get('ACK_TIMEOUT_MS', { infer: true }),
      ownerId: owner.id,
      routing,
      releaseWaiting: this.routingSeen.get(queue) !== routing,
    });
    this.routingSeen.set(queue, routing);
    for (const { error } of corrupt) this.logger.error(`not delivering from ${queue}: ${error}`);
    await this.outcomes.fail(
      corrupt.flatMap(({ taskId, error }) =>
        taskId ? [{ queue, taskId, attempt: '', error, mode: 'fail' as const }] : [],
      ),
    );
    if (claimed.length === 0) return idle;
    // Read after the claim: a task created while the claim ran is due by now, not by the claim's `now`.
    const claimedAt = this.clock.now();
    // One delivery per consumer, split where the payloads would pass MAX_DELIVERY_BYTES.
    const batches: Array<{ consumerId: string; tasks: OutgoingTask[]; bytes: number }> = [];
    const open = new Map<string, { consumerId: string; tasks: OutgoingTask[]; bytes: number }>();
    for (const { consumerId, task, hash } of claimed) {
      const bytes = (hash.payload?.length ?? 0) + TASK_OVERHEAD_BYTES;
      let batch = open.get(consumerId);
      if (!batch || batch.bytes + bytes > MAX_DELIVERY_BYTES) {
        batch = { consumerId, tasks: [], bytes: 0 };
        open.set(consumerId, batch);
        batches.push(batch);
      }
      const triggered = hash.triggered_time === undefined ? undefined : Number(hash.triggered_time);
      batch.tasks.push({
        task,
        deliveryId: hash.delivery_id,
        due: isDueOnDelivery(task.periodicity, Number(hash.scheduled_time), triggered, claimedAt),
      });
      batch.bytes += bytes;
    }
    this.lastSentAt.set(queue, performance.now());
    const byId = new Map(live.map((consumer) => [consumer.id, consumer]));
    for (const { consumerId, tasks } of batches) {
      this.sending.set(queue, (this.sending.get(queue) ?? 0) + 1);
      const delivery = this.deliver(queue, byId.get(consumerId)!, tasks)
        // Whatever failed here (Redis gone mid-failure), the reaper retries these tasks at their deadline.
        .catch((error: Error) => logJobFailure(this.logger, `delivering from ${queue}`, error))
        .finally(() => {
          this.deliveries.delete(delivery);
          this.sending.set(queue, (this.sending.get(queue) ?? 1) - 1);
          this.wakers.notify(queue);
        });
      this.deliveries.add(delivery);
    }
    return 0;
  }

  private async deliver(queue: string, consumer: ConsumerInstance, outgoing: OutgoingTask[]): Promise<void> {
    const sent = await this.sender.send(consumer, queue, outgoing, this.config.get('ACK_TIMEOUT_MS', { infer: true }));
    if (sent.kind === 'sent') {
      this.dispatched.inc(outgoing.length);
      return;
    }
    if (sent.kind === 'failed')
      this.logger.warn(
        `delivery of ${outgoing.length} tasks from ${queue} failed: ${sent.reason}` +
          (sent.detail ? `: ${sent.detail}` : ''),
        { queue, consumerId: consumer.id, count: outgoing.length },
      );
    await this.outcomes.fail(
      outgoing.map(({ task }) => ({
        queue,
        taskId: task.id,
        attempt: task.attempts ?? '',
        error: sent.kind === 'failed' ? sent.reason : '',
        mode: sent.kind === 'full' ? 'release' : 'fail',
        consumerId: consumer.id,
      })),
    );
    if (sent.kind === 'full') this.pausedUntil.set(queue, this.clock.now() + RELEASE_PAUSE_MS);
  }

  /**
   * The claim script's view of the live consumers; liveConsumers() returns one array per cache period, so it is encoded
   * once.
   */
  private routingOf(live: ConsumerInstance[]): string {
    if (this.routingCache?.live !== live)
      this.routingCache = { live, json: JSON.stringify(live.map((consumer) => [consumer.id, ...consumer.types])) };
    return this.routingCache.json;
  }
}
