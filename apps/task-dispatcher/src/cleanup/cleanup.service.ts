import { Clock, MetricsRegistry, retentionMs } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys, runScript } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Redis } from 'ioredis';
import { CronPassService, PASS_BUCKETS } from '../cron/single-pass';
import { deleteExpiredTasksScript } from './delete-expired-tasks.lua';
import { CleanupPassDto } from './dto/cleanup-pass.dto';
import { pruneIndexScript } from './prune-index.lua';

/**
 * Keeps Redis from growing forever: every CLEANUP_CRON, or on POST /cleanup/run, deletes completed
 * tasks older than RETENTION_DAYS, then sweeps both indexes for entries whose task expired. Each
 * step works in batches of CLEANUP_BATCH, at most CLEANUP_MAX_BATCHES of them per pass.
 */
@Injectable()
export class CleanupService extends CronPassService<CleanupPassDto> {
  /**
   * Where each index sweep stopped, so a pass that hits the batch limit is continued by the next
   * one. Losing it (a restart) only means the sweep starts over: ZSCAN cursors need no server state.
   */
  private readonly sweepCursors = new Map<string, string>();
  private readonly batchSize: number;
  private readonly maxBatches: number;
  private readonly retention: number;
  private readonly deleted;
  private readonly pruned;
  private readonly duration;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly clock: Clock,
    config: ConfigService,
    cron: SchedulerRegistry,
    metrics: MetricsRegistry,
  ) {
    super(
      cron,
      { name: 'cleanup', expression: config.getOrThrow<string>('CLEANUP_CRON') },
      new Logger(CleanupService.name),
    );
    this.batchSize = config.getOrThrow<number>('CLEANUP_BATCH');
    this.maxBatches = config.getOrThrow<number>('CLEANUP_MAX_BATCHES');
    this.retention = retentionMs(config.getOrThrow<number>('RETENTION_DAYS'));
    this.deleted = metrics.counter('tq_cleanup_deleted_total', 'Completed tasks deleted after the retention period');
    this.pruned = metrics.counter('tq_cleanup_pruned_total', 'Index entries dropped because their task had expired');
    this.duration = metrics.histogram('tq_cleanup_pass_duration_seconds', 'Cleanup pass duration', PASS_BUCKETS);
  }

  protected async runPassNow(): Promise<CleanupPassDto> {
    const started = process.hrtime.bigint();
    const result: CleanupPassDto = { deleted: 0, pruned: 0, batches: 0, caught_up: true, duration_ms: 0 };
    await this.deleteExpired(this.clock.now() - this.retention, result);
    await this.sweep(this.keys.scheduledIndex, result);
    await this.sweep(this.keys.completeIndex, result);
    result.duration_ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.deleted.inc(result.deleted);
    this.pruned.inc(result.pruned);
    this.duration.observe(result.duration_ms / 1000);
    if (result.deleted > 0 || result.pruned > 0 || !result.caught_up)
      this.logger.log({ msg: 'cleanup pass', ...result });
    return result;
  }

  /** Completed tasks are found by completion time in the complete index, oldest first. */
  private async deleteExpired(cutoff: number, result: CleanupPassDto): Promise<void> {
    for (let batch = 0; ; batch++) {
      if (batch === this.maxBatches || this.pass.stopping) {
        result.caught_up = false;
        return;
      }
      const ids = await this.redis.zrangebyscore(this.keys.completeIndex, '-inf', cutoff, 'LIMIT', 0, this.batchSize);
      if (ids.length === 0) return;
      const keys = [this.keys.scheduledIndex, this.keys.completeIndex, ...ids.map((id) => this.keys.task(id))];
      const [deleted, pruned] = await runScript<number[]>(this.redis, deleteExpiredTasksScript, keys, [cutoff, ...ids]);
      result.deleted += deleted;
      result.pruned += pruned;
      result.batches++;
    }
  }

  /** One ZSCAN step per batch, resuming where the last pass left this index. */
  private async sweep(index: string, result: CleanupPassDto): Promise<void> {
    let cursor = this.sweepCursors.get(index) ?? '0';
    for (let batch = 0; ; batch++) {
      if (batch === this.maxBatches || this.pass.stopping) {
        this.sweepCursors.set(index, cursor);
        result.caught_up = false;
        return;
      }
      const [next, entries] = await this.redis.zscan(index, cursor, 'COUNT', this.batchSize);
      const ids = entries.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) {
        result.pruned += await runScript<number>(
          this.redis,
          pruneIndexScript,
          [index, ...ids.map((id) => this.keys.task(id))],
          ids,
        );
        result.batches++;
      }
      cursor = next;
      if (cursor === '0') {
        this.sweepCursors.delete(index);
        return;
      }
    }
  }
}
