import { CorruptTaskError, RunOutcome, Task, taskFromHash, TaskHash } from '@app/common';
import {
  InjectRedis,
  InjectRedisKeys,
  queueScript,
  RedisKeys,
  runScript,
  StoreMode,
  storeTaskScript,
} from '@app/redis';
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ackScript, UNSTORED_PREFIX } from '../scripts/ack.lua';
import { CLAIMED_FIELDS, claimScript } from '../scripts/claim.lua';
import { FailOutcome, failScript } from '../scripts/fail.lua';
import { findExpiredScript } from '../scripts/find-expired.lua';
import { claimSeed, NamedDelivery } from './delivery-id';

export interface FailedDelivery {
  queue: string;
  taskId: string;
  attempt: number | '';
  error: string;
  /**
   * fail: count the attempt; release: the consumer was only full, or shut down mid-run; expired: the reaper's, failed
   * only if still past its deadline.
   */
  mode: 'fail' | 'release' | 'expired';
  /** How the run ended, for the task's runs (expired deliveries are `lost`). */
  outcome?: RunOutcome;
  /**
   * The delivery a consumer's nack names: nothing changes unless it is the task's current one. Absent when the broker
   * itself fails it.
   */
  deliveryId?: string;
  /** The consumer it went to, when the caller knows it: for the log line only. */
  consumerId?: string;
  /** When it may go out again (ms). */
  retryAt: number;
}

export interface ClaimRequest {
  now: number;
  window: number;
  batch: number;
  leaseDeadline: number;
  ownerId: string;
  /** The live consumers and their types, as JSON (see claimScript). */
  routing: string;
  /** The consumers changed since this replica's last claim: waiting tasks get another look. */
  releaseWaiting: boolean;
}

/** A task the claim took for one consumer, with the fields read back as the hash has them. */
export interface ClaimedDelivery {
  consumerId: string;
  task: Task;
  hash: TaskHash;
}

/** A delivery acked by a consumer that stores nothing itself, with what deciding how to store it takes. */
export interface UnstoredDelivery extends NamedDelivery {
  taskType: string;
  scheduledMs: number;
  periodicity: string;
  triggeredMs?: number;
}

/**
 * What one ack call found: when each completed delivery's task became ready (ms), and deliveries still to be stored by
 * the broker.
 */
export interface AckReply {
  readyMs: number[];
  unstored: UnstoredDelivery[];
}

/** A store the broker makes for a consumer without Redis access. */
export interface StoreForConsumer {
  taskId: string;
  deliveryId: string;
  mode: StoreMode;
  /** The result as JSON, or '' for none. */
  result: string;
}

/**
 * The dispatcher's Redis calls: each script's KEYS in their order and its reply parsed, so the
 * loops above speak in tasks and deliveries. Every call is one script (or one pipeline of them).
 */
@Injectable()
export class DeliveryStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
  ) {}

  /** Claims a batch; tasks whose fields do not read as a task come back as `corrupt`, to be failed. */
  async claim(
    queue: string,
    request: ClaimRequest,
  ): Promise<{ claimed: ClaimedDelivery[]; corrupt: Array<{ taskId?: string; error: string }> }> {
    const reply = await runScript<string[]>(
      this.redis,
      claimScript,
      [
        this.keys.queuePending(queue),
        this.keys.queueInflight(queue),
        this.keys.queueDelayed(queue),
        this.keys.queueWaiting(queue),
      ],
      [
        request.now,
        request.window,
        request.batch,
        request.leaseDeadline,
        this.keys.taskPrefix,
        request.ownerId,
        request.routing,
        request.releaseWaiting ? '1' : '0',
        queue,
        claimSeed(),
        ...CLAIMED_FIELDS,
      ],
    );
    const claimed: ClaimedDelivery[] = [];
    const corrupt: Array<{ taskId?: string; error: string }> = [];
    for (let i = 0; i < reply.length; i += 2) {
      let hash: TaskHash = {};
      try {
        hash = claimedHash(reply[i + 1]);
        claimed.push({ consumerId: reply[i], task: taskFromHash(hash), hash });
      } catch (error) {
        if (!(error instanceof CorruptTaskError)) throw error;
        // One with no readable id cannot be failed back; its lease lapses and the reaper retries it.
        corrupt.push({ taskId: hash.id, error: error.message });
      }
    }
    return { claimed, corrupt };
  }

  /** Acks one queue's deliveries, as the consumer `consumerId` reports them. */
  async ack(queue: string, consumerId: string, deliveries: NamedDelivery[]): Promise<AckReply> {
    const reply = await runScript<string[]>(
      this.redis,
      ackScript,
      [
        this.keys.queueInflight(queue),
        this.keys.queueDelayed(queue),
        this.keys.queuePending(queue),
        this.keys.queueDead(queue),
        ...deliveries.map(({ taskId }) => this.keys.task(taskId)),
      ],
      [
        consumerId,
        ...deliveries.flatMap(({ taskId, deliveryId }) => [taskId, deliveryId]),
        this.keys.pendingByKeyPrefix,
      ],
    );
    const result: AckReply = { readyMs: [], unstored: [] };
    reply.forEach((value, i) => {
      if (value.startsWith(UNSTORED_PREFIX)) {
        const unstored = unstoredDelivery(deliveries[i], value.slice(UNSTORED_PREFIX.length));
        if (unstored) result.unstored.push(unstored);
      } else if (Number(value) > 0) result.readyMs.push(Number(value));
    });
    return result;
  }

  /**
   * Stores tasks with the consumer's store script, for consumers that store nothing themselves; returns each outcome
   * (1, 0 or a ScriptCode).
   */
  async storeForConsumer(stores: StoreForConsumer[], now: number, keepMs: number): Promise<number[]> {
    const keys = stores.map(({ taskId }) => this.keys.task(taskId));
    keys.push(this.keys.scheduledIndex, this.keys.completeIndex);
    const args: (string | number)[] = [now, keepMs];
    for (const { mode, result, deliveryId } of stores) args.push(mode, result, '', deliveryId);
    return runScript<number[]>(this.redis, storeTaskScript, keys, args);
  }

  /** Fails deliveries in one pipeline; per failure its outcome, or the error Redis gave. */
  async fail(
    failures: FailedDelivery[],
    now: number,
    keepMs: number,
  ): Promise<Array<{ outcome?: FailOutcome; error?: Error }>> {
    const pipeline = this.redis.pipeline();
    for (const failure of failures) {
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
          failure.retryAt,
          now,
          failure.mode === 'release' ? 'release' : 'fail',
          failure.mode,
          failure.outcome ?? (failure.mode === 'expired' ? 'lost' : 'failed'),
          failure.deliveryId ?? '',
          keepMs,
          this.keys.pendingByKeyPrefix,
        ],
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return failures.map((_, i) => {
      const [error, outcome] = results[i] ?? [new Error('no reply')];
      return error ? { error } : { outcome: outcome as FailOutcome };
    });
  }

  /** The deliveries of these queues whose lease lapsed by `now`, at most `perQueue` each, with their attempt. */
  async findExpired(
    queues: string[],
    now: number,
    perQueue: number,
  ): Promise<Array<{ queue: string; taskIds: string[]; attempts: number[] }>> {
    if (queues.length === 0) return [];
    const found = await runScript<Array<string | number>>(
      this.redis,
      findExpiredScript,
      queues.map((queue) => this.keys.queueInflight(queue)),
      [now, perQueue],
    );
    const expired: Array<{ queue: string; taskIds: string[]; attempts: number[] }> = [];
    for (let at = 0; at < found.length;) {
      const queue = queues[Number(found[at]) - 1];
      const taskIds = found.slice(at + 2, at + 2 + Number(found[at + 1])).map(String);
      at += 2 + taskIds.length;
      const pipeline = this.redis.pipeline();
      for (const id of taskIds) pipeline.hget(this.keys.task(id), 'attempts');
      const attempts = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value) || 1);
      expired.push({ queue, taskIds, attempts });
    }
    return expired;
  }
}

/**
 * The ack script's report of an unstored delivery, read as untrusted (a hash written by hand): undefined when it does
 * not read.
 */
function unstoredDelivery(delivery: NamedDelivery, json: string): UnstoredDelivery | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields)) return undefined;
  const [taskType, scheduled, periodicity, triggered] = fields as unknown[];
  const scheduledMs = Number(scheduled);
  if (typeof taskType !== 'string' || typeof periodicity !== 'string' || !Number.isFinite(scheduledMs))
    return undefined;
  return {
    ...delivery,
    taskType,
    scheduledMs,
    periodicity,
    triggeredMs: typeof triggered === 'string' && triggered !== '' ? Number(triggered) : undefined,
  };
}

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
