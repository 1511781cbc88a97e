import { Clock, MetricsRegistry, retentionMs, Task, taskFromHash, TaskHash, TTL_SLACK_MS } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys, runScript } from '@app/redis';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { BrokerEnvironment } from '../config/environment';
import { parseQueueConfig, QueueDefinition } from './queue-definition';
import { UnknownQueueError } from './queue-registry.errors';
import { declareQueueScript } from '../scripts/declare-queue.lua';
import { deleteQueueScript } from '../scripts/delete-queue.lua';
import { replayScript } from '../scripts/replay.lua';
import { isRefusal, scriptError } from '../scripts/script-errors';

export interface QueueStats {
  pending: number;
  delayed: number;
  in_flight: number;
  dead_letters: number;
  /** Tasks no live consumer can run, waiting for one that can. */
  waiting_for_consumer: number;
}

/** Tasks a queue holds for delivery: pending, retrying, and waiting for a capable consumer. */
export const queueDepth = (s: QueueStats): number => s.pending + s.delayed + s.waiting_for_consumer;

/** How often a replica re-reads the queue set, so queues declared on another replica route here too. */
const REFRESH_MS = 1_000;
/** Unknown binding keys re-read Redis at most this often, so a flood of them cannot hammer it. */
const MISS_RELOAD_MS = 100;

/**
 * The work-queues, kept in Redis so every broker replica sees the same set, and cached here for
 * routing; a binding key this replica does not know triggers one re-read before it is refused.
 */
@Injectable()
export class QueueRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(QueueRegistry.name);
  private queues = new Map<string, QueueDefinition>();
  /** list()'s answer for the current `queues`, sorted once. */
  private sorted?: QueueDefinition[];
  /** The queue-set version the last load read, and when refreshIfStale last compared it. */
  private loadedVersion: string | null = null;
  private checkedAt = -Infinity;
  private bindings = new Map<string, string>();
  private loadedAt = 0;
  /** The QUEUES setting, declared at start and again whenever Redis comes back without one of them. */
  private configured: QueueDefinition[] = [];
  /** Every 'ready' after the first is a reconnection: Redis may have come back empty (restarted without its data). */
  private readonly onReconnect = () =>
    void this.redeclareMissing().catch((error: Error) =>
      this.logger.warn(`declaring the QUEUES queues again: ${error.message}`),
    );

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly config: ConfigService<BrokerEnvironment, true>,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    metrics.gauge(
      'tq_queue_depth',
      'Tasks waiting in a queue (pending, retrying and waiting for a capable consumer)',
      ['queue'],
      () => this.perQueue(queueDepth),
    );
    metrics.gauge('tq_queue_in_flight', 'Tasks delivered and not yet acked', ['queue'], () =>
      this.perQueue((s) => s.in_flight),
    );
    metrics.gauge('tq_queue_dead_letters', 'Dead-lettered tasks', ['queue'], () =>
      this.perQueue((s) => s.dead_letters),
    );
  }

  async onModuleInit(): Promise<void> {
    this.configured = parseQueueConfig(this.config.get('QUEUES'), this.config.get('DEFAULT_QUEUE_CAPACITY'));
    for (const queue of this.configured) await this.declare(queue);
    await this.load();
    this.redis.on('ready', this.onReconnect);
    this.logger.log(
      `queues: ${this.list()
        .map((q) => `${q.name} <- [${q.binding_keys.join(', ')}]`)
        .join('; ')}`,
    );
  }

  onModuleDestroy(): void {
    this.redis.off('ready', this.onReconnect);
  }

  /**
   * Declares again the QUEUES queues Redis does not hold (it came back without its data); returns
   * their names. Queues it holds are left as they are, capacity changes made since the start included.
   */
  async redeclareMissing(): Promise<string[]> {
    await this.load();
    const missing = this.configured.filter((queue) => !this.queues.has(queue.name));
    for (const queue of missing) await this.declare(queue);
    if (missing.length > 0)
      this.logger.log(`Redis came back without queues ${missing.map((q) => q.name).join(', ')}: declared them again`);
    return missing.map((queue) => queue.name);
  }

  /** Declares a queue, or adds binding keys and sets the capacity of an existing one. */
  async declare(queue: QueueDefinition): Promise<{ created: boolean; queue: QueueDefinition }> {
    const [code, key, owner] = await runScript<[number, string, string?]>(
      this.redis,
      declareQueueScript,
      [this.keys.queues, this.keys.bindings, this.keys.queuesVersion],
      [
        queue.name,
        JSON.stringify({ name: queue.name, binding_keys: queue.binding_keys, capacity: queue.capacity }),
        this.config.get('MAX_QUEUES'),
        ...queue.binding_keys,
      ],
    );
    if (isRefusal(code)) throw scriptError(code, { bindingKey: key, queue: owner ?? queue.name, limit: Number(key) });
    await this.load();
    return { created: code === 1, queue: this.get(queue.name) };
  }

  /**
   * Deletes a queue, refused (QueueNotEmptyError) while it holds tasks unless forced; forced, its
   * tasks are cancelled. Returns how many were.
   */
  async delete(name: string, force: boolean): Promise<number> {
    const [code, count] = await runScript<[number, number?]>(
      this.redis,
      deleteQueueScript,
      [
        this.keys.queues,
        this.keys.bindings,
        this.keys.queuesVersion,
        this.keys.queuePending(name),
        this.keys.queueInflight(name),
        this.keys.queueDelayed(name),
        this.keys.queueWaiting(name),
        this.keys.queueDead(name),
        this.keys.scheduledIndex,
      ],
      [
        name,
        force ? '1' : '0',
        this.keys.taskPrefix,
        this.clock.now(),
        retentionMs(this.config.get('RETENTION_DAYS')) + TTL_SLACK_MS,
        this.keys.pendingByKeyPrefix,
      ],
    );
    if (isRefusal(code)) throw scriptError(code, { queue: name, held: count });
    await this.load();
    return count ?? 0;
  }

  /** Whether this replica knows the queue (the dispatcher's loop for a deleted one ends). */
  has(name: string): boolean {
    return this.queues.has(name);
  }

  /** Every queue, in declaration order: one array per load, which callers may cache against. */
  list(): QueueDefinition[] {
    this.sorted ??= [...this.queues.values()].sort((a, b) => (a.declared ?? 0) - (b.declared ?? 0));
    return this.sorted;
  }

  /** The queue of this name, or undefined when it is not (or no longer) declared. */
  find(name: string): QueueDefinition | undefined {
    return this.queues.get(name);
  }

  get(name: string): QueueDefinition {
    const queue = this.queues.get(name);
    if (!queue) throw new UnknownQueueError(name);
    return queue;
  }

  /**
   * Whether a queue of this name is declared: names that come from a peer (a delivery id in an ack
   * or a lease) are checked before any Redis work is done for them. A miss re-reads the queue set
   * at most every MISS_RELOAD_MS, so a flood of made-up names costs no more than that.
   */
  async isDeclared(name: string): Promise<boolean> {
    if (!this.queues.has(name) && this.clock.now() - this.loadedAt >= MISS_RELOAD_MS) await this.load();
    return this.queues.has(name);
  }

  /**
   * The queue a binding key routes to (for the ExchangeService). Bindings are only ever added, so
   * a cached hit is right; a miss re-reads Redis (at most every MISS_RELOAD_MS) before giving up.
   */
  async queueFor(bindingKey: string): Promise<string | undefined> {
    if (!this.bindings.has(bindingKey) && this.clock.now() - this.loadedAt >= MISS_RELOAD_MS) await this.load();
    return this.bindings.get(bindingKey);
  }

  /** Re-reads the queue set from Redis. */
  async load(): Promise<void> {
    const [version, queues, bindings] = await Promise.all([
      this.redis.get(this.keys.queuesVersion),
      this.redis.hgetall(this.keys.queues),
      this.redis.hgetall(this.keys.bindings),
    ]);
    this.loadedVersion = version;
    const parsed = new Map<string, QueueDefinition>();
    for (const [name, json] of Object.entries(queues)) {
      try {
        parsed.set(name, JSON.parse(json) as QueueDefinition);
      } catch {
        this.logger.error(`queue ${name} has an unreadable definition in Redis; ignoring it`);
      }
    }
    this.queues = parsed;
    this.sorted = undefined;
    this.bindings = new Map(Object.entries(bindings).filter(([, queue]) => parsed.has(queue)));
    this.loadedAt = this.clock.now();
  }

  /**
   * Reloads the queue set if another replica changed it: a version read every REFRESH_MS, the set only when it moved.
   */
  async refreshIfStale(): Promise<void> {
    if (this.clock.now() - this.checkedAt <= REFRESH_MS) return;
    this.checkedAt = this.clock.now();
    const version = await this.redis.get(this.keys.queuesVersion);
    if (version !== this.loadedVersion) await this.load();
  }

  async stats(names: string[]): Promise<Map<string, QueueStats>> {
    const pipeline = this.redis.pipeline();
    for (const name of names) {
      pipeline.zcard(this.keys.queuePending(name));
      pipeline.zcard(this.keys.queueDelayed(name));
      pipeline.zcard(this.keys.queueInflight(name));
      pipeline.zcard(this.keys.queueDead(name));
      pipeline.zcard(this.keys.queueWaiting(name));
    }
    const replies = (await pipeline.exec()) ?? [];
    const counts = replies.map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    return new Map(
      names.map((name, i) => [
        name,
        {
          pending: counts[i * 5],
          delayed: counts[i * 5 + 1],
          in_flight: counts[i * 5 + 2],
          dead_letters: counts[i * 5 + 3],
          waiting_for_consumer: counts[i * 5 + 4],
        },
      ]),
    );
  }

  async deadLetters(name: string, limit: number): Promise<Task[]> {
    this.get(name);
    const ids = await this.redis.zrange(this.keys.queueDead(name), '0', String(limit - 1));
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.task(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([, hash]) => hash as TaskHash)
      .filter((hash) => hash && hash.id)
      .map((hash) => taskFromHash(hash));
  }

  async replayDeadLetters(name: string, limit: number): Promise<number> {
    this.get(name);
    return runScript<number>(
      this.redis,
      replayScript,
      [this.keys.queueDead(name), this.keys.queuePending(name)],
      [this.keys.taskPrefix, limit, this.clock.now()],
    );
  }

  private async perQueue(pick: (stats: QueueStats) => number) {
    const names = this.list().map((q) => q.name);
    const stats = await this.stats(names);
    return names.map((queue) => ({ labels: { queue }, value: pick(stats.get(queue)!) }));
  }
}
