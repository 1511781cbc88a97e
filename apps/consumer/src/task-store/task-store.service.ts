import { Clock, retentionMs, TTL_SLACK_MS } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys, runScript, storeTaskScript } from '@app/redis';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { ConsumerEnvironment } from '../config/environment';

export interface StoreRequest {
  id: string;
  /** The handler's result as JSON, stored with the task. */
  result?: string;
}

/**
 * Stores delivered tasks in Redis with their TTL, in one script call per batch. Idempotent by id
 * (see storeTaskScript): storing a redelivered task again changes nothing.
 */
@Injectable()
export class TaskStore {
  private readonly keepMs: number;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly clock: Clock,
    config: ConfigService<ConsumerEnvironment, true>,
  ) {
    this.keepMs = retentionMs(config.get('RETENTION_DAYS')) + TTL_SLACK_MS;
  }

  /** Stores each task; throws if Redis fails, so nothing is acked that was not stored. */
  async storeMany(requests: StoreRequest[]): Promise<void> {
    const keys = requests.map((request) => this.keys.task(request.id));
    keys.push(this.keys.scheduledIndex);
    const args = [this.clock.now(), this.keepMs, ...requests.map((request) => request.result ?? '')];
    await runScript(this.redis, storeTaskScript, keys, args);
  }
}
