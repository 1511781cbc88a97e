import { Clock, ManualClock, newTask, retentionMs, Task, TaskStatus, taskToHash, TTL_SLACK_MS } from '@app/common';
import { createRedisClient, queueScript, RedisKeys, StoreMode, storeTaskScript } from '@app/redis';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Redis } from 'ioredis';
import { BootedApp, bootApp } from '../../../test/helpers';
import { AppModule } from '../src/app.module';
import { SchedulerService } from '../src/scheduler/scheduler.service';

export const RETENTION_MS = retentionMs(30);
export const DAY_MS = 86_400_000;

/**
 * The real AppModule on the given clock, with its cron jobs and wake-ups stopped: the tests run
 * every pass themselves, and a timer firing mid-test would change the counts they check.
 */
export async function bootDispatcher(clock: ManualClock): Promise<BootedApp> {
  const booted = await bootApp(AppModule, 'task-dispatcher', (b) => b.overrideProvider(Clock).useValue(clock));
  for (const job of booted.app.get(SchedulerRegistry).getCronJobs().values()) void job.stop();
  booted.app.get(SchedulerService).stopWakeUps();
  return booted;
}

/** A client on the test's Redis that can run the consumer's store script. */
export function storeClient(): Redis {
  return createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', [storeTaskScript]);
}

export function testKeys(): RedisKeys {
  return new RedisKeys(process.env.REDIS_PREFIX!);
}

export interface TaskSpec {
  id: string;
  scheduled_time: string | number;
  periodicity?: string;
}

/**
 * Stores tasks exactly as the consumer does: the hash written as a claim leaves it, then the store
 * script (status scheduled, TTL, scheduled index). Pipelined, as many thousands are made at once.
 */
export async function storeTasks(redis: Redis, keys: RedisKeys, specs: TaskSpec[], now: number): Promise<Task[]> {
  const tasks = specs.map((spec) =>
    newTask(
      {
        id: spec.id,
        task_name: `task ${spec.id}`,
        task_type: 'test',
        scheduled_time: new Date(spec.scheduled_time).toISOString(),
        periodicity: spec.periodicity ?? 'once',
      },
      now,
    ),
  );
  const pipeline = redis.pipeline();
  for (const task of tasks) {
    // As the claim leaves it: out for one delivery, which the store names.
    pipeline.hset(keys.task(task.id), {
      ...taskToHash(task),
      status: TaskStatus.Dispatched,
      delivery_id: `d-${task.id}`,
    });
    queueScript(
      pipeline,
      storeTaskScript,
      [keys.task(task.id), keys.scheduledIndex, keys.completeIndex],
      [now, RETENTION_MS + TTL_SLACK_MS, StoreMode.StoreOnly, '', '', `d-${task.id}`],
    );
  }
  for (const [error, reply] of (await pipeline.exec()) ?? []) {
    if (error) throw error;
    if (reply === -1) throw new Error('store script found no task hash');
  }
  return tasks;
}

export function iso(ms: string | number | null | undefined): string {
  return new Date(Number(ms)).toISOString();
}
