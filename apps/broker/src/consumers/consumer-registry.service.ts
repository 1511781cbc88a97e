import { ANY_TYPE, Clock, DomainError, OFFERED_TYPE_PATTERN, ownerByItem, RefusalKind } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BrokerEnvironment } from '../config/environment';
import { QueueRegistry } from '../queue-registry/queue-registry.service';

export interface ConsumerInstance {
  id: string;
  url: string;
  capacity: number;
  /** The task types it runs; `*` stores tasks of any type no live consumer has a handler for. */
  types: string[];
  last_heartbeat: number;
}

/** The registered types as read back from Redis: untrusted, so anything unreadable offers nothing. */
function parseTypes(json: string | undefined): string[] {
  try {
    const types: unknown = JSON.parse(json ?? '');
    const offered = (t: unknown): t is string => typeof t === 'string' && OFFERED_TYPE_PATTERN.test(t);
    if (Array.isArray(types) && types.every(offered)) return types;
  } catch {
    // falls through
  }
  return [];
}

export class TooManyConsumersError extends DomainError {
  readonly kind = RefusalKind.Conflict;
  constructor(readonly limit: number) {
    super(`${limit} consumers are registered, the most MAX_CONSUMERS allows`);
  }
}

export class UnknownConsumerError extends DomainError {
  readonly kind = RefusalKind.NotFound;
  constructor(readonly id: string) {
    super(`no live consumer ${id}; register again`);
  }
}

export class ConsumerSecretError extends DomainError {
  readonly kind = RefusalKind.Unauthenticated;
  constructor(readonly id: string) {
    super(`consumer ${id}: the x-tq-consumer-secret header is missing or wrong`);
  }
}

/** The header a consumer sends its registration secret in, and the one naming it on acks and leases. */
export const CONSUMER_SECRET_HEADER = 'x-tq-consumer-secret';
export const CONSUMER_ID_HEADER = 'x-tq-consumer-id';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Heartbeats missed before a consumer is dropped. */
const MISSED_HEARTBEATS = 3;
/** How long a deregistered consumer may still ack and extend leases: its drain at shutdown. */
const DRAINING_REGISTRATION_MS = 120_000;
/** How long the live set is cached between reads of Redis. */
const CACHE_MS = 250;
/** Consumers and queues a rebalance line names; its count says how many there were. */
const REBALANCE_SAMPLE = 20;

/**
 * Consumer instances registered with any broker replica. Queues are given to live consumers
 * round-robin, queues in declaration order and consumers in registration order, so every replica
 * computes the same owner for each queue without talking to the others.
 */
@Injectable()
export class ConsumerRegistry {
  private readonly logger = new Logger(ConsumerRegistry.name);
  private live: ConsumerInstance[] = [];
  /** Each live consumer's secret, hashed (SHA-256, hex), as the last read of Redis found it. */
  private secretHashes = new Map<string, string>();
  private readAt = -Infinity;
  private assigned?: { live: ConsumerInstance[]; queues: unknown[]; owners: Map<string, ConsumerInstance> };

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly queues: QueueRegistry,
    private readonly config: ConfigService<BrokerEnvironment, true>,
    private readonly clock: Clock,
  ) {}

  /**
   * Registers a consumer and returns it with its secret: heartbeats, leases, acks and
   * deregistration must carry it (CONSUMER_SECRET_HEADER). Only its SHA-256 is kept in Redis.
   */
  async register(
    url: string,
    capacity: number,
    types: string[] = [ANY_TYPE],
  ): Promise<ConsumerInstance & { secret: string }> {
    // Checked, then added: registrations racing at the bound may pass it by a few, which is all a
    // cap on thousands needs (every registration costs a rebalance, so thousands cost a broker).
    const max = this.config.get('MAX_CONSUMERS', { infer: true });
    if ((await this.redis.zcard(this.keys.consumers)) >= max) throw new TooManyConsumersError(max);
    const seq = await this.redis.incr(this.keys.consumerSequence);
    // Zero-padded, so sorting ids is sorting by registration.
    const id = `c${String(seq).padStart(8, '0')}`;
    const now = this.clock.now();
    const secret = randomBytes(24).toString('base64url');
    await this.redis
      .multi()
      .hset(this.keys.consumer(id), {
        id,
        url,
        capacity: String(capacity),
        types: JSON.stringify(types),
        secret_hash: sha256(secret).toString('hex'),
      })
      .zadd(this.keys.consumers, now, id)
      .exec();
    this.readAt = -Infinity;
    this.logger.log(`consumer ${id} registered at ${url} for ${types.join(', ')}`);
    return { id, url, capacity, types, last_heartbeat: now, secret };
  }

  /**
   * Checks a caller's claim to be consumer `id`: throws UnknownConsumerError when there is no such
   * registration, ConsumerSecretError when the secret is missing or wrong (compared in constant time).
   */
  async authenticate(id: string | undefined, secret: string | undefined): Promise<void> {
    if (!id || id.length > 64) throw new UnknownConsumerError(String(id ?? ''));
    let stored = this.secretHashes.get(id);
    stored ??= (await this.redis.hget(this.keys.consumer(id), 'secret_hash')) ?? undefined;
    if (stored === undefined) throw new UnknownConsumerError(id);
    const expected = Buffer.from(stored, 'hex');
    if (typeof secret !== 'string' || expected.length !== 32 || !timingSafeEqual(sha256(secret), expected))
      throw new ConsumerSecretError(id);
  }

  /** The task types a consumer registered; its registration may be draining (out of the live set, still readable). */
  async typesOf(id: string): Promise<string[]> {
    return parseTypes((await this.redis.hget(this.keys.consumer(id), 'types')) ?? undefined);
  }

  /** Records a heartbeat; a consumer that was dropped must register again. */
  async heartbeat(id: string): Promise<void> {
    const updated = await this.redis.zadd(this.keys.consumers, 'XX', 'CH', this.clock.now(), id);
    if (updated === 0 && (await this.redis.zscore(this.keys.consumers, id)) === null)
      throw new UnknownConsumerError(id);
  }

  /**
   * Takes a consumer out of the live set at once (its queues go to the others). Its registration
   * stays a little longer, so the deliveries it still holds as it drains can be acked with its secret.
   */
  async remove(id: string): Promise<void> {
    const [[, removed]] = (await this.redis
      .multi()
      .zrem(this.keys.consumers, id)
      .pexpire(this.keys.consumer(id), DRAINING_REGISTRATION_MS)
      .exec()) ?? [[null, 0]];
    if (removed === 0) throw new UnknownConsumerError(id);
    this.readAt = -Infinity;
    this.logger.log(`consumer ${id} deregistered`);
  }

  /** Live consumers in registration order; drops (in Redis) those that missed their heartbeats. */
  async liveConsumers(): Promise<ConsumerInstance[]> {
    const now = this.clock.now();
    if (now - this.readAt < CACHE_MS) return this.live;
    const cutoff = now - MISSED_HEARTBEATS * this.config.get('HEARTBEAT_INTERVAL_MS');
    const stale = await this.redis.zrangebyscore(this.keys.consumers, '-inf', `(${cutoff}`);
    if (stale.length) {
      // Removed by score, atomically: one whose heartbeat landed since the read stays. Only those
      // now gone lose their registration (a heartbeat cannot bring a removed id back).
      await this.redis.zremrangebyscore(this.keys.consumers, '-inf', `(${cutoff}`);
      const scores = await this.redis.zmscore(this.keys.consumers, ...stale);
      const gone = stale.filter((_, i) => scores[i] === null);
      if (gone.length) {
        await this.redis.del(...gone.map((id) => this.keys.consumer(id)));
        this.logger.warn(
          `consumers ${gone.join(', ')} missed ${MISSED_HEARTBEATS} heartbeats; their queues are reassigned`,
        );
      }
    }
    const entries = await this.redis.zrangebyscore(this.keys.consumers, cutoff, '+inf', 'WITHSCORES');
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < entries.length; i += 2) pipeline.hgetall(this.keys.consumer(entries[i]));
    const hashes = (await pipeline.exec()) ?? [];
    const live: ConsumerInstance[] = [];
    const secretHashes = new Map<string, string>();
    hashes.forEach(([error, hash], i) => {
      const fields = hash as Record<string, string> | null;
      if (error || !fields?.url) return;
      if (fields.secret_hash) secretHashes.set(entries[i * 2], fields.secret_hash);
      live.push({
        id: entries[i * 2],
        url: fields.url,
        capacity: Number(fields.capacity) || 1,
        types: parseTypes(fields.types),
        last_heartbeat: Number(entries[i * 2 + 1]),
      });
    });
    this.live = live.sort((a, b) => a.id.localeCompare(b.id));
    this.secretHashes = secretHashes;
    this.readAt = now;
    return this.live;
  }

  /** queue name -> its owning consumer; computed once per live set and queue list, as every queue's loop asks. */
  async assignment(): Promise<Map<string, ConsumerInstance>> {
    const live = await this.liveConsumers();
    const queues = this.queues.list();
    if (this.assigned?.live === live && this.assigned.queues === queues) return this.assigned.owners;
    const byId = new Map(live.map((c) => [c.id, c]));
    const names = queues.map((q) => q.name);
    const owners = ownerByItem(
      names,
      live.map((c) => c.id),
    );
    const before = this.assigned?.owners;
    this.assigned = { live, queues, owners: new Map([...owners].map(([queue, id]) => [queue, byId.get(id)!])) };
    this.logRebalance(before, this.assigned.owners, live, names);
    return this.assigned.owners;
  }

  /** One line when queues change owner: a consumer came or went, or queues were declared. */
  private logRebalance(
    before: Map<string, ConsumerInstance> | undefined,
    after: Map<string, ConsumerInstance>,
    live: ConsumerInstance[],
    queues: string[],
  ): void {
    const moved = queues.filter((queue) => before?.get(queue)?.id !== after.get(queue)?.id);
    if (moved.length === 0) return;
    const sample = moved.slice(0, REBALANCE_SAMPLE);
    this.logger.log(
      `rebalance: ${moved.length} of ${queues.length} queues changed owner, ${live.length} live consumers`,
      {
        count: moved.length,
        consumerIds: live.slice(0, REBALANCE_SAMPLE).map((consumer) => consumer.id),
        owners: Object.fromEntries(sample.map((queue) => [queue, after.get(queue)?.id ?? null])),
      },
    );
  }

  /** The queues a consumer owns now. */
  async queuesOf(id: string): Promise<string[]> {
    const assignment = await this.assignment();
    return [...assignment].filter(([, consumer]) => consumer.id === id).map(([queue]) => queue);
  }
}
