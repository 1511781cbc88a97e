import { ManualClock, TaskStatus } from '@app/common';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { BootedApp, deleteKeys } from '../../../test/helpers';
import { CleanupService } from '../src/cleanup/cleanup.service';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { bootDispatcher, DAY_MS, RETENTION_MS, storeClient, storeTasks, testKeys } from './dispatcher-test-kit';

describe('cleanup', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const clock = new ManualClock(t0);
  const keys = testKeys();
  let booted: BootedApp;
  let redis: Redis;
  let scheduler: SchedulerService;
  let cleanup: CleanupService;

  /** Stores tasks due at `at` and runs the scheduler then, so they complete (or advance) at `at`. */
  async function runAt(at: number, specs: Array<{ id: string; periodicity?: string }>): Promise<void> {
    clock.set(at);
    await storeTasks(
      redis,
      keys,
      specs.map((spec) => ({ ...spec, scheduled_time: at })),
      at - 60_000,
    );
    expect((await scheduler.runPass()).triggered).toBe(specs.length);
  }

  async function indexed(id: string): Promise<[string | null, string | null]> {
    return [await redis.zscore(keys.scheduledIndex, id), await redis.zscore(keys.completeIndex, id)];
  }

  beforeAll(async () => {
    booted = await bootDispatcher(clock);
    scheduler = booted.app.get(SchedulerService);
    cleanup = booted.app.get(CleanupService);
    redis = storeClient();
  });

  beforeEach(async () => {
    await deleteKeys(redis, keys.prefix);
  });

  afterAll(async () => {
    await booted.app.close();
    await deleteKeys(redis, keys.prefix);
    await redis.quit();
  });

  it('deletes exactly the completed tasks older than the retention period, with their index entries', async () => {
    await runAt(t0, [{ id: 'old-1' }, { id: 'old-2' }, { id: 'periodic', periodicity: '0 0 1 1 *' }]);
    await runAt(t0 + 60_000, [{ id: 'just-inside' }]);
    await runAt(t0 + 25 * DAY_MS, [{ id: 'recent' }]);
    clock.set(t0);
    await storeTasks(
      redis,
      keys,
      [
        { id: 'overdue-scheduled', scheduled_time: t0 - 90 * DAY_MS },
        { id: 'far-scheduled', scheduled_time: t0 + 400 * DAY_MS },
      ],
      t0 - 100 * DAY_MS,
    );

    clock.set(t0 + RETENTION_MS + 30_000);
    expect(await cleanup.runPass()).toMatchObject({ deleted: 2, pruned: 0, caught_up: true });

    for (const id of ['old-1', 'old-2']) {
      expect(await redis.exists(keys.task(id))).toBe(0);
      expect(await indexed(id)).toEqual([null, null]);
    }
    expect(await redis.hget(keys.task('just-inside'), 'status')).toBe(TaskStatus.Complete);
    expect(await indexed('just-inside')).toEqual([null, String(t0 + 60_000)]);
    expect(await indexed('recent')).toEqual([null, String(t0 + 25 * DAY_MS)]);
    for (const id of ['periodic', 'overdue-scheduled', 'far-scheduled']) {
      expect(await redis.hget(keys.task(id), 'status')).toBe(TaskStatus.Scheduled);
      expect((await indexed(id))[0]).not.toBeNull();
    }

    clock.advance(60_000);
    expect(await cleanup.runPass()).toMatchObject({ deleted: 1 });
    expect(await redis.exists(keys.task('just-inside'))).toBe(0);
    expect((await cleanup.runPass()).deleted).toBe(0);
  });

  it('deletes more completed tasks than one batch holds in one pass', async () => {
    await runAt(
      t0,
      Array.from({ length: 1100 }, (_, i) => ({ id: `done-${i}` })),
    );
    clock.set(t0 + RETENTION_MS + DAY_MS);
    const pass = await cleanup.runPass();
    expect(pass).toMatchObject({ deleted: 1100, caught_up: true });
    expect(pass.batches).toBeGreaterThanOrEqual(3);
    expect(await redis.zcard(keys.completeIndex)).toBe(0);
  });

  it('prunes index entries whose task expired, and nothing else', async () => {
    await runAt(t0, [{ id: 'done-gone' }, { id: 'done-kept' }]);
    await storeTasks(
      redis,
      keys,
      [
        { id: 'due-gone', scheduled_time: t0 + DAY_MS },
        { id: 'due-kept', scheduled_time: t0 + DAY_MS },
      ],
      t0,
    );
    // What a TTL expiry leaves behind: the hash gone, its index entry still there.
    await redis.del(keys.task('done-gone'), keys.task('due-gone'));

    expect(await cleanup.runPass()).toMatchObject({ deleted: 0, pruned: 2 });
    expect(await indexed('done-gone')).toEqual([null, null]);
    expect(await indexed('due-gone')).toEqual([null, null]);
    expect(await indexed('done-kept')).toEqual([null, String(t0)]);
    expect(await indexed('due-kept')).toEqual([String(t0 + DAY_MS), null]);
    expect((await cleanup.runPass()).pruned).toBe(0);
  });

  it('runs a pass on POST /cleanup/run and counts it in /metrics', async () => {
    await runAt(t0, [{ id: 'x' }, { id: 'y' }]);
    await redis.del(keys.task('y'));
    clock.set(t0 + RETENTION_MS + 1);
    const res = await request(booted.url).post('/cleanup/run').expect(200);
    expect(res.body).toMatchObject({ deleted: 1, pruned: 1, caught_up: true });
    expect(typeof res.body.duration_ms).toBe('number');

    const metrics = await request(booted.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^tq_cleanup_deleted_total [1-9]\d*$/m);
    expect(metrics.text).toMatch(/^tq_cleanup_pruned_total [1-9]\d*$/m);
    expect(metrics.text).toMatch(/^tq_cleanup_pass_duration_seconds_count [1-9]\d*$/m);
  });
});
