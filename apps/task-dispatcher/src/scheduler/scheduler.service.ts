import { Clock, MetricsRegistry, retentionMs, storedTaskTtlMs } from '@app/common';
import { InjectRedis, InjectRedisKeys, logJobFailure, RedisKeys, runScript } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Redis } from 'ioredis';
import { CronPassService, PASS_BUCKETS } from '../cron/single-pass';
import { SchedulerPassDto } from './dto/scheduler-pass.dto';
import { DueTaskFields, planRun, PlannedRun } from './plan-run';
import { triggerDueTasksScript } from './trigger-due-tasks.lua';

/**
 * Triggers due tasks: every SCHEDULER_CRON, on POST /scheduler/run, and at wake-ups: between passes
 * it watches the head of the scheduled index (every SCHEDULER_WAKE_MS, or exactly when the head
 * falls due if that is sooner), so a task starts within a fraction of a second of its time rather
 * than at the next minute. A pass reads due ids in batches of SCHEDULER_BATCH and has each batch
 * triggered by one script, so memory and the time Redis is blocked stay bounded however many tasks
 * are due; it loops until none are due or SCHEDULER_MAX_BATCHES is reached (the rest waits).
 */
@Injectable()
export class SchedulerService extends CronPassService<SchedulerPassDto> {
  private readonly batchSize: number;
  private readonly maxBatches: number;
  private readonly retention: number;
  private readonly completed;
  private readonly rescheduled;
  private readonly triggered;
  private readonly pruned;
  private readonly released;
  private readonly duration;
  private readonly wakeMs: number;
  private wakeTimer?: NodeJS.Timeout;
  private wakeUpsStopped = false;

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
      { name: 'scheduler', expression: config.getOrThrow<string>('SCHEDULER_CRON') },
      new Logger(SchedulerService.name),
    );
    this.batchSize = config.getOrThrow<number>('SCHEDULER_BATCH');
    this.maxBatches = config.getOrThrow<number>('SCHEDULER_MAX_BATCHES');
    this.retention = retentionMs(config.getOrThrow<number>('RETENTION_DAYS'));
    this.triggered = metrics.counter('tq_scheduler_triggered_total', 'Due tasks triggered (completed or rescheduled)');
    this.completed = metrics.counter('tq_scheduler_completed_total', 'once tasks completed');
    this.rescheduled = metrics.counter(
      'tq_scheduler_rescheduled_total',
      'Periodic tasks run and moved to their next occurrence',
    );
    this.pruned = metrics.counter(
      'tq_scheduler_pruned_total',
      'Scheduled-index entries dropped because their task expired',
    );
    this.released = metrics.counter(
      'tq_scheduler_released_total',
      'Due tasks awaiting their handler sent back to their queue to run',
    );
    this.wakeMs = config.getOrThrow<number>('SCHEDULER_WAKE_MS');
    this.duration = metrics.histogram('tq_scheduler_pass_duration_seconds', 'Scheduler pass duration', PASS_BUCKETS);
  }

  override onApplicationBootstrap(): void {
    super.onApplicationBootstrap();
    if (this.wakeMs > 0) this.scheduleWakeUp(0);
  }

  override async onModuleDestroy(): Promise<void> {
    this.stopWakeUps();
    await super.onModuleDestroy();
  }

  /** Leaves passes to the cron and to POST /scheduler/run only (tests that count what each pass does). */
  stopWakeUps(): void {
    this.wakeUpsStopped = true;
    clearTimeout(this.wakeTimer);
  }

  private scheduleWakeUp(ms: number): void {
    if (this.wakeUpsStopped) return;
    this.wakeTimer = setTimeout(() => void this.wakeUp(), ms);
  }

  /** Runs a pass if the index's head is due, then sleeps until it will be, at most SCHEDULER_WAKE_MS. */
  private async wakeUp(): Promise<void> {
    let nextMs = this.wakeMs;
    try {
      const [, score] = await this.redis.zrange(this.keys.scheduledIndex, '0', '0', 'WITHSCORES');
      const dueInMs = score === undefined ? Infinity : Number(score) - this.clock.now();
      if (dueInMs <= 0) {
        const result = await this.runPass();
        // A head the pass could not move (another dispatcher's, mid-change) is not retried in a hot loop.
        if (result.triggered + result.pruned > 0 || !result.caught_up) nextMs = 0;
      } else {
        nextMs = Math.min(dueInMs, this.wakeMs);
      }
    } catch (error) {
      logJobFailure(this.logger, 'scheduler wake-up failed', error, 'warn');
      nextMs = this.wakeMs * 4;
    }
    this.scheduleWakeUp(nextMs);
  }

  protected async runPassNow(): Promise<SchedulerPassDto> {
    const started = process.hrtime.bigint();
    // One `now` for the whole pass: a periodic task moved past it cannot come due again mid-pass.
    const now = this.clock.now();
    const result: SchedulerPassDto = {
      triggered: 0,
      released: 0,
      completed: 0,
      rescheduled: 0,
      pruned: 0,
      skipped: 0,
      batches: 0,
      caught_up: false,
      duration_ms: 0,
    };
    while (result.batches < this.maxBatches && !this.pass.stopping) {
      const ids = await this.redis.zrangebyscore(this.keys.scheduledIndex, '-inf', now, 'LIMIT', 0, this.batchSize);
      if (ids.length === 0) {
        result.caught_up = true;
        break;
      }
      const [completed, rescheduled, pruned, skipped, released] = await this.triggerBatch(ids, now);
      result.batches++;
      result.released += released;
      result.completed += completed;
      result.rescheduled += rescheduled;
      result.pruned += pruned;
      result.skipped += skipped;
    }
    result.triggered = result.completed + result.rescheduled + result.released;
    result.duration_ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.triggered.inc(result.triggered);
    this.completed.inc(result.completed);
    this.rescheduled.inc(result.rescheduled);
    this.pruned.inc(result.pruned);
    this.released.inc(result.released);
    this.duration.observe(result.duration_ms / 1000);
    if (result.triggered > 0 || result.pruned > 0 || !result.caught_up)
      this.logger.log({ msg: 'scheduler pass', ...result });
    return result;
  }

  /** Reads what each task needs to plan its run, then triggers the batch in one script. */
  private async triggerBatch(ids: string[], now: number): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.task(id), 'periodicity', 'anchor_time', 'scheduled_time', 'queue');
    const replies = (await pipeline.exec()) ?? [];
    const args: (string | number)[] = [now, storedTaskTtlMs(now, now, this.retention)];
    const keys = [this.keys.scheduledIndex, this.keys.completeIndex, this.keys.wakeChannel, this.keys.queues];
    ids.forEach((id, i) => {
      const [error, values] = replies[i] ?? [new Error('no reply')];
      if (error) throw error;
      const [periodicity, anchor_time, scheduled_time, queue] = values as (string | null)[];
      const run = this.plan(id, { periodicity, anchor_time, scheduled_time }, now);
      args.push(id, run.seen, run.next ?? '', run.ttlMs);
      // A task with no queue (stored by hand) is never released; the script only writes these keys when it is.
      keys.push(this.keys.task(id), this.keys.queuePending(queue ?? ''), this.keys.queueInflight(queue ?? ''));
    });
    return runScript<number[]>(this.redis, triggerDueTasksScript, keys, args);
  }

  /** An unreadable periodicity must not stall every pass: the task runs once and completes. */
  private plan(id: string, fields: DueTaskFields, now: number): PlannedRun {
    try {
      return planRun(fields, now, this.retention);
    } catch (error) {
      this.logger.warn(`task ${id}: ${(error as Error).message}; completing it as a once task`);
      return planRun({ ...fields, periodicity: 'once' }, now, this.retention);
    }
  }
}
