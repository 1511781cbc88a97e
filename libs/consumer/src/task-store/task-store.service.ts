import {
  Clock,
  CorruptTaskError,
  isPlainObject,
  retentionMs,
  Task,
  taskFromHash,
  TaskHash,
  TTL_SLACK_MS,
} from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys, runScript, ScriptCode, StoreMode, storeTaskScript } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { ConsumerEnvironment } from '../config/environment';
import { markRunningScript } from './mark-running.lua';
import { recordProgressScript } from './record-progress.lua';

export interface StoreRequest {
  id: string;
  /** The delivery it came with: only the task's current delivery may store it. */
  deliveryId: string;
  mode: StoreMode;
  /** The handler's result as JSON, stored with the task. */
  result?: string;
  /** When the handler started (ms), for the task's runs. */
  startedMs?: number;
}

/** Largest progress object, as JSON: progress is a status line, not a result. */
export const MAX_PROGRESS_BYTES = 1024;

export class InvalidProgressError extends Error {
  constructor(reason: string) {
    super(`progress ${reason}`);
    this.name = 'InvalidProgressError';
  }
}

/**
 * Stores delivered tasks in Redis with their TTL, in one script call per batch. Idempotent by id
 * (see storeTaskScript): storing a redelivered task again changes nothing.
 */
@Injectable()
export class TaskStore {
  private readonly logger = new Logger(TaskStore.name);
  private readonly keepMs: number;
  /** Tasks whose handler started since the last markRunning call went out: one script call for all of them. */
  private started: Array<{ id: string; deliveryId: string }> = [];

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly clock: Clock,
    config: ConfigService<ConsumerEnvironment, true>,
  ) {
    this.keepMs = retentionMs(config.get('RETENTION_DAYS')) + TTL_SLACK_MS;
  }

  /**
   * Stores each task; throws if Redis fails, so nothing is acked that was not stored. Returns per
   * task whether to ack it: stored (now or before), or gone after completion. One refused (not its
   * current delivery, cancelled, unreadable) is not acked: the broker's lease decides its fate.
   */
  async storeMany(requests: StoreRequest[]): Promise<boolean[]> {
    const keys = requests.map((request) => this.keys.task(request.id));
    keys.push(this.keys.scheduledIndex, this.keys.completeIndex);
    const args: (string | number)[] = [this.clock.now(), this.keepMs];
    for (const request of requests)
      args.push(request.mode, request.result ?? '', request.startedMs ?? '', request.deliveryId);
    const outcomes = await runScript<number[]>(this.redis, storeTaskScript, keys, args);
    const refused = outcomes.filter((outcome) => outcome < 0 && outcome !== ScriptCode.TaskNotFound);
    if (refused.length) {
      const reasons = [...new Set(refused)].map((code) => ScriptCode[code] ?? code).join(', ');
      this.logger.warn(
        `${refused.length} of ${requests.length} tasks were not stored (${reasons}); they are not acked`,
      );
    }
    return outcomes.map((outcome) => outcome >= 0 || outcome === ScriptCode.TaskNotFound);
  }

  /**
   * Each task as Redis has it, if the delivery is still its current one (same delivery id, still
   * dispatched); undefined otherwise, or when the hash does not read as a task. One pipeline.
   */
  async readDelivered(deliveries: Array<{ id: string; deliveryId: string }>): Promise<Array<Task | undefined>> {
    const pipeline = this.redis.pipeline();
    for (const { id } of deliveries) pipeline.hgetall(this.keys.task(id));
    const replies = (await pipeline.exec()) ?? [];
    return deliveries.map(({ id, deliveryId }, i) => {
      const [error, hash] = replies[i] ?? [new Error('no reply')];
      if (error) throw error;
      const fields = hash as TaskHash;
      if (fields.delivery_id !== deliveryId || fields.status !== 'dispatched' || fields.id !== id) return undefined;
      try {
        return taskFromHash(fields);
      } catch (corrupt) {
        if (corrupt instanceof CorruptTaskError) return undefined;
        throw corrupt;
      }
    });
  }

  /**
   * Shows the task as `running` from now (returned, ms); the handlers that start in one turn of the
   * event loop share one call. Best effort: a failure only leaves the status `dispatched`.
   */
  markRunning(id: string, deliveryId: string): number {
    const now = this.clock.now();
    this.started.push({ id, deliveryId });
    if (this.started.length === 1) {
      setImmediate(() => {
        const batch = this.started;
        this.started = [];
        const keys = batch.map((task) => this.keys.task(task.id));
        runScript(this.redis, markRunningScript, keys, [now, ...batch.map((task) => task.deliveryId)]).catch(
          (error: Error) => this.logger.warn(`marking ${batch.length} tasks running failed: ${error.message}`),
        );
      });
    }
    return now;
  }

  /** A handler's ctx.progress: a number 0..100 or a small JSON object; throws InvalidProgressError otherwise. */
  async recordProgress(id: string, deliveryId: string, value: unknown): Promise<void> {
    let json: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || value < 0 || value > 100)
        throw new InvalidProgressError('must be a number from 0 to 100');
      json = String(value);
    } else if (isPlainObject(value)) {
      json = JSON.stringify(value);
      if (Buffer.byteLength(json) > MAX_PROGRESS_BYTES)
        throw new InvalidProgressError(`must be at most ${MAX_PROGRESS_BYTES} bytes of JSON`);
    } else {
      throw new InvalidProgressError('must be a number from 0 to 100 or a JSON object');
    }
    await runScript(this.redis, recordProgressScript, [this.keys.task(id)], [json, deliveryId]);
  }
}
