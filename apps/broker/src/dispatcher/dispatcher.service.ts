import { backoffDelay, BackoffPolicy, Clock, CorruptTaskError, isDueOnDelivery, MetricsRegistry, RunOutcome, Task, taskFromHash, TaskHash } from '@app/common';
import { InjectRedis, InjectRedisKeys, queueScript, RedisKeys, runScript } from '@app/redis';
import { HttpService } from '@nestjs/axios';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { BrokerEnvironment } from '../config/environment';
import { ConsumerInstance, ConsumerRegistry } from '../consumers/consumer-registry.service';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { ackScript, CLAIMED_FIELDS, claimScript, failScript, findExpiredScript } from '../queue-registry/queue-scripts.lua';
import { claimSeed, parseDeliveryId } from './delivery-id';
import { Ack } from './ack-batch.pipe';

interface FailedDelivery {
  queue: string;
  taskId: string;
  attempt: number | '';
  error: string;
  /** fail: count the attempt; release: the consumer was only full; expired: the reaper's, failed only if still past its deadline. */
  mode: 'fail' | 'release' | 'expired';
  /** How the run ended, for the task's runs (expired deliveries are `lost`). */
  outcome?: RunOutcome;
  /** The delivery a consumer's nack names: nothing changes unless it is the task's current one. Absent when the broker itself fails it. */
  deliveryId?: string;
}

/** A claimed task, and whether its consumer is to run it now or store it to await its time. */
interface OutgoingTask {
  task: Task;
  deliveryId: string;
  due: boolean;
}

/** A consumer answering 503 (buffers full) is left alone this long before the queue tries again. */
const FULL_CONSUMER_PAUSE_MS = 100;
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
/** The task fields claimScript returned as a JSON array of CLAIMED_FIELDS' values, as a hash. */
function claimedHash(json: string): TaskHash {
  let values: unknown;
  try {
    values = JSON.parse(json);
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values)) throw new CorruptTaskError('?', 'the claim reply is not a JSON array');
  const hash: TaskHash = {};
  CLAIMED_FIELDS.forEach((field, i) => {
    if (typeof values[i] === 'string') hash[field] = values[i];
  });
  return hash;
}

/** Expired deliveries reclaimed per queue per sweep. */
const REAP_BATCH = 500;

/**
 * Pushes each queue's tasks to the consumer that owns it, in batches, without waiting for them to
 * be processed: a delivery stays in the queue's in-flight set until the consumer acks it. A failed
 * or unacked delivery goes back after an exponential backoff, to a different consumer when there is
 * one, and to the dead letters after max_retries. All state is in Redis and every step is a Lua
 * script, so any number of broker replicas can run this at once, and a replica killed mid-delivery
 * leaves its deliveries to be reclaimed by the others (or by itself after a restart) once their ack
 * deadline passes.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DispatcherService.name);
  private running = false;
  private readonly loops = new Map<string, Promise<void>>();
  private readonly wakers = new Map<string, () => void>();
  private readonly deliveries = new Set<Promise<void>>();
  /** Batches each queue has on the wire now. */
  private readonly sending = new Map<string, number>();
  /** Queues notified while their loop was busy: its next sleep returns at once, so no wake-up is lost. */
  private readonly woken = new Set<string>();
  /** When each queue last sent a batch (performance.now(): pacing, not task time), for DELIVERY_LINGER_MS. */
  private readonly lastSentAt = new Map<string, number>();
  /** The live consumers and their types as each queue's last claim saw them: a change releases its waiting tasks. */
  private readonly routingSeen = new Map<string, string>();
  private routingCache?: { live: ConsumerInstance[]; json: string };
  /** Per queue, the timer that wakes it when its earliest retry's backoff ends. */
  private readonly retryWakers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** Queues whose consumer said it is full, and until when to leave it alone. */
  private readonly pausedUntil = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private readonly backoff: BackoffPolicy;

  private readonly dispatched;
  private readonly acked;
  private readonly retried;
  private readonly deadLettered;
  private readonly latency;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly queues: QueueRegistry,
    private readonly consumers: ConsumerRegistry,
    private readonly http: HttpService,
    private readonly config: ConfigService<BrokerEnvironment, true>,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.backoff = {
      baseMs: config.get('BACKOFF_BASE_MS'),
      factor: config.get('BACKOFF_FACTOR'),
      capMs: config.get('BACKOFF_CAP_MS'),
    };
    this.dispatched = metrics.counter('tq_dispatched_total', 'Tasks delivered to consumers');
    this.acked = metrics.counter('tq_acked_total', 'Deliveries acked as stored');
    this.retried = metrics.counter('tq_retried_total', 'Deliveries that failed and were scheduled again');
    this.deadLettered = metrics.counter('tq_dead_lettered_total', 'Tasks moved to dead letters');
    this.latency = metrics.histogram(
      'tq_accept_to_ack_seconds',
      'Time from a task being accepted to its ack',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
  }

  onApplicationBootstrap(): void {
    this.running = true;
    const reapEvery = Math.min(1_000, Math.floor(this.config.get('ACK_TIMEOUT_MS') / 2));
    this.timers = [
      setInterval(() => this.superviseLoops(), 1_000),
      setInterval(() => this.reapExpired().catch((e: Error) => this.logger.error(`reaping: ${e.message}`)), reapEvery),
    ];
    this.superviseLoops();
  }

  /** Stops claiming, then waits for deliveries already sent so their outcome is recorded. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.timers.forEach(clearInterval);
    for (const { timer } of this.retryWakers.values()) clearTimeout(timer);
    this.wakers.forEach((wake) => wake());
    await Promise.allSettled([...this.loops.values()]);
    await Promise.allSettled([...this.deliveries]);
  }

  /** Wakes the queue's loop: new tasks arrived or in-flight room freed up. */
  notify(queue: string): void {
    const wake = this.wakers.get(queue);
    if (wake) wake();
    else this.woken.add(queue);
  }

  async ack(acks: Ack[]): Promise<void> {
    /** Per queue: task id, delivery id, ... as the ack script takes them. */
    const stored = new Map<string, string[]>();
    const failed: FailedDelivery[] = [];
    for (const ack of acks) {
      const ref = parseDeliveryId(ack.delivery_id);
      if (!ref) {
        this.logger.warn(`ignoring an ack for unknown delivery id ${ack.delivery_id}`);
        continue;
      }
      if (ack.ok) {
        const pairs = stored.get(ref.queue);
        if (pairs) pairs.push(ref.taskId, ack.delivery_id);
        else stored.set(ref.queue, [ref.taskId, ack.delivery_id]);
      }
      // A run lost to its consumer's shutdown goes out again without counting the attempt.
      else {
        const mode = ack.outcome === 'lost' ? 'release' : 'fail';
        failed.push({ ...ref, deliveryId: ack.delivery_id, error: ack.error ?? 'handler failed', mode, outcome: ack.outcome ?? 'failed' });
      }
    }
    const now = this.clock.now();
    await Promise.all(
      [...stored].map(async ([queue, pairs]) => {
        const created = await runScript<string[]>(
          this.redis,
          ackScript,
          [
            this.keys.queueInflight(queue),
            this.keys.queueDelayed(queue),
            this.keys.queuePending(queue),
            this.keys.queueDead(queue),
            ...pairs.filter((_, i) => i % 2 === 0).map((id) => this.keys.task(id)),
          ],
          pairs,
        );
        for (const createdMs of created.map(Number).filter((ms) => ms > 0)) {
          this.acked.inc();
          this.latency.observe((now - createdMs) / 1000);
        }
        this.notify(queue);
      }),
    );
    await this.fail(failed);
  }

  private superviseLoops(): void {
    if (!this.running) return;
    this.queues
      .refreshIfStale()
      .then(() => this.wakeAllIfConsumersChanged())
      .then(() => {
        for (const { name } of this.queues.list()) {
          if (this.loops.has(name)) continue;
          const loop = this.runLoop(name).finally(() => this.loops.delete(name));
          this.loops.set(name, loop);
        }
      })
      .catch((error: Error) => this.logger.error(`refreshing queues: ${error.message}`));
  }

  private async runLoop(queue: string): Promise<void> {
    while (this.running) {
      let pauseMs = 0;
      try {
        pauseMs = await this.dispatchOnce(queue);
      } catch (error) {
        this.logger.error(`dispatching ${queue}: ${(error as Error).message}`);
        pauseMs = this.config.get('DISPATCH_POLL_MS') * 10;
      }
      if (pauseMs > 0) await this.sleep(queue, pauseMs);
    }
  }

  /**
   * A consumer joined, left or changed its types: a queue whose last look saw other consumers may
   * have work it can send now (tasks waiting for a capable consumer, a queue that had no owner).
   */
  private async wakeAllIfConsumersChanged(): Promise<void> {
    const routing = this.routingOf(await this.consumers.liveConsumers());
    for (const { name } of this.queues.list()) if (this.routingSeen.get(name) !== routing) this.notify(name);
  }

  /** Wakes the queue when a retry it scheduled may go; one timer per queue, for its earliest retry. */
  private wakeAt(queue: string, at: number): void {
    const current = this.retryWakers.get(queue);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      this.retryWakers.delete(queue);
      // Timers and the wall clock drift apart by a millisecond or so: woken early, the claim would
      // find the retry not yet due and the queue would sleep until DISPATCH_IDLE_MS.
      if (this.clock.now() < at) this.wakeAt(queue, at);
      else this.notify(queue);
    }, Math.max(0, at - this.clock.now()) + 1);
    this.retryWakers.set(queue, { at, timer });
  }

  /**
   * Claims and sends one round of batches; returns how long to wait before the next (0: go on).
   * An idle queue waits DISPATCH_IDLE_MS: work wakes it sooner (see notify and its callers).
   */
  private async dispatchOnce(queue: string): Promise<number> {
    const idle = this.config.get('DISPATCH_IDLE_MS');
    const paused = (this.pausedUntil.get(queue) ?? 0) - this.clock.now();
    if (paused > 0) return paused;
    // A batch coming back notifies the queue, so this wait ends as soon as there is room.
    if ((this.sending.get(queue) ?? 0) >= MAX_SENDING_PER_QUEUE) return this.config.get('DISPATCH_POLL_MS');
    const lingering = (this.lastSentAt.get(queue) ?? -Infinity) + this.config.get('DELIVERY_LINGER_MS') - performance.now();
    if (lingering > 0) return lingering;
    const live = await this.consumers.liveConsumers();
    const routing = this.routingOf(live);
    const owner = (await this.consumers.assignment()).get(queue);
    if (!owner) {
      // Seen, so only a change of consumers wakes it again (wakeAllIfConsumersChanged).
      this.routingSeen.set(queue, routing);
      return idle;
    }
    const consumersChanged = this.routingSeen.get(queue) !== routing;
    const now = this.clock.now();
    // A batch may go to any live consumer, so it fits the smallest.
    const batch = Math.min(this.config.get('DELIVERY_BATCH'), ...live.map((consumer) => consumer.capacity));
    const claimed = await runScript<string[]>(
      this.redis,
      claimScript,
      [this.keys.queuePending(queue), this.keys.queueInflight(queue), this.keys.queueDelayed(queue), this.keys.queueWaiting(queue)],
      [
        now,
        this.config.get('PREFETCH_WINDOW'),
        batch,
        now + this.config.get('ACK_TIMEOUT_MS'),
        this.keys.taskPrefix,
        owner.id,
        routing,
        consumersChanged ? '1' : '0',
        queue,
        claimSeed(),
        ...CLAIMED_FIELDS,
      ],
    );
    this.routingSeen.set(queue, routing);
    if (claimed.length === 0) return idle;
    // Read after the claim: a task created while the claim ran is due by now, not by the claim's `now`.
    const claimedAt = this.clock.now();
    // One delivery per consumer, split where the payloads would pass MAX_DELIVERY_BYTES.
    const deliveries: Array<{ consumerId: string; tasks: OutgoingTask[]; bytes: number }> = [];
    const open = new Map<string, { consumerId: string; tasks: OutgoingTask[]; bytes: number }>();
    const corrupt: FailedDelivery[] = [];
    for (let i = 0; i < claimed.length; i += 2) {
      const consumerId = claimed[i];
      let hash: TaskHash = {};
      let task: Task;
      try {
        hash = claimedHash(claimed[i + 1]);
        task = taskFromHash(hash);
      } catch (error) {
        if (!(error instanceof CorruptTaskError)) throw error;
        this.logger.error(`not delivering from ${queue}: ${error.message}`);
        if (hash.id) corrupt.push({ queue, taskId: hash.id, attempt: '', error: error.message, mode: 'fail' });
        continue;
      }
      const bytes = (hash.payload?.length ?? 0) + TASK_OVERHEAD_BYTES;
      let group = open.get(consumerId);
      if (!group || group.bytes + bytes > MAX_DELIVERY_BYTES) {
        group = { consumerId, tasks: [], bytes: 0 };
        open.set(consumerId, group);
        deliveries.push(group);
      }
      const triggered = hash.triggered_time === undefined ? undefined : Number(hash.triggered_time);
      group.tasks.push({ task, deliveryId: hash.delivery_id, due: isDueOnDelivery(task.periodicity, Number(hash.scheduled_time), triggered, claimedAt) });
      group.bytes += bytes;
    }
    await this.fail(corrupt);
    this.lastSentAt.set(queue, performance.now());
    const byId = new Map(live.map((consumer) => [consumer.id, consumer]));
    for (const { consumerId, tasks } of deliveries) {
      const consumer = byId.get(consumerId)!;
      this.sending.set(queue, (this.sending.get(queue) ?? 0) + 1);
      const delivery = this.deliver(queue, consumer, tasks)
        // Whatever failed here (Redis gone mid-failure), the reaper retries these tasks at their deadline.
        .catch((error: Error) => this.logger.error(`delivering from ${queue}: ${error.message}`))
        .finally(() => {
          this.deliveries.delete(delivery);
          this.sending.set(queue, (this.sending.get(queue) ?? 1) - 1);
          this.notify(queue);
        });
      this.deliveries.add(delivery);
    }
    return 0;
  }

  private async deliver(queue: string, consumer: ConsumerInstance, outgoing: OutgoingTask[]): Promise<void> {
    const tasks = outgoing.map(({ task }) => task);
    const deliveries = outgoing.map(({ task, deliveryId, due }) => {
      task.queue = queue;
      return { delivery_id: deliveryId, queue, task, due, lease_ms: this.config.get('ACK_TIMEOUT_MS') };
    });
    let failure: string | undefined;
    let consumerFull = false;
    try {
      const response = await this.http.axiosRef.post(`${consumer.url}/deliveries`, { deliveries });
      if (response.status === 503) consumerFull = true;
      else if (response.status < 200 || response.status >= 300) failure = `consumer ${consumer.id} answered ${response.status}`;
    } catch (error) {
      failure = `consumer ${consumer.id} unreachable: ${(error as Error).message}`;
    }
    if (!failure && !consumerFull) {
      this.dispatched.inc(deliveries.length);
      return;
    }
    if (failure) this.logger.warn(`delivery of ${deliveries.length} tasks from ${queue} failed: ${failure}`);
    await this.fail(
      tasks.map((task) => ({
        queue,
        taskId: task.id,
        attempt: task.attempts ?? '',
        error: failure ?? '',
        mode: consumerFull ? 'release' : 'fail',
      })),
    );
    if (consumerFull) this.pausedUntil.set(queue, this.clock.now() + FULL_CONSUMER_PAUSE_MS);
  }

  /** Sends failed deliveries back with a backoff (or to the dead letters), in one pipeline. */
  private async fail(failures: FailedDelivery[]): Promise<void> {
    if (failures.length === 0) return;
    const now = this.clock.now();
    const pipeline = this.redis.pipeline();
    const retryAts: number[] = [];
    for (const failure of failures) {
      const retryAt = failure.mode === 'release' ? now + FULL_CONSUMER_PAUSE_MS : now + backoffDelay(Number(failure.attempt) || 1, this.backoff);
      retryAts.push(retryAt);
      queueScript(
        pipeline,
        failScript,
        [
          this.keys.queueInflight(failure.queue),
          this.keys.queueDelayed(failure.queue),
          this.keys.queueDead(failure.queue),
          this.keys.task(failure.taskId),
          this.keys.scheduledIndex,
        ],
        [
          failure.taskId,
          failure.attempt,
          failure.error.slice(0, 2000),
          retryAt,
          now,
          failure.mode === 'release' ? 'release' : 'fail',
          failure.mode,
          failure.outcome ?? (failure.mode === 'expired' ? 'lost' : 'failed'),
          failure.deliveryId ?? '',
        ],
      );
    }
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([error, outcome], i) => {
      if (outcome === 1 || outcome === 4) this.wakeAt(failures[i].queue, retryAts[i]);
      if (error) this.logger.error(`failing delivery of ${failures[i].taskId}: ${error.message}`);
      else if (outcome === 1) this.retried.inc();
      else if (outcome === 2) this.deadLettered.inc();
      else if (outcome === 5) this.logger.warn(`task ${failures[i].taskId}: this occurrence spent its retries; the series goes on to its next one`);
    });
    for (const queue of new Set(failures.map((f) => f.queue))) this.notify(queue);
  }

  /** Deliveries whose ack deadline passed (a dead consumer, or a broker that died sending) are failed. */
  async reapExpired(): Promise<void> {
    const now = this.clock.now();
    const queues = this.queues.list().map(({ name }) => name);
    if (queues.length === 0) return;
    const found = await runScript<Array<string | number>>(this.redis, findExpiredScript, queues.map((queue) => this.keys.queueInflight(queue)), [now, REAP_BATCH]);
    for (let at = 0; at < found.length; ) {
      const queue = queues[Number(found[at]) - 1];
      const expired = found.slice(at + 2, at + 2 + Number(found[at + 1])).map(String);
      at += 2 + expired.length;
      const pipeline = this.redis.pipeline();
      for (const id of expired) pipeline.hget(this.keys.task(id), 'attempts');
      const attempts = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value) || 1);
      this.logger.warn(`${expired.length} deliveries from ${queue} lapsed without an ack or a lease extension; retrying them`);
      await this.fail(expired.map((taskId, i) => ({ queue, taskId, attempt: attempts[i], error: 'the lease lapsed: no ack or extension in time', mode: 'expired' })));
    }
  }

  /** The claim script's view of the live consumers; liveConsumers() returns one array per cache period, so it is encoded once. */
  private routingOf(live: ConsumerInstance[]): string {
    if (this.routingCache?.live !== live) this.routingCache = { live, json: JSON.stringify(live.map((consumer) => [consumer.id, ...consumer.types])) };
    return this.routingCache.json;
  }

  private sleep(key: string, ms: number): Promise<void> {
    if (this.woken.delete(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakers.get(key) === done) this.wakers.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.set(key, done);
    });
  }
}
