import { ManualClock, TaskStatus, TTL_SLACK_MS } from '@app/common';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { BootedApp, deleteKeys } from '../../../test/helpers';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { bootDispatcher, DAY_MS, iso, RETENTION_MS, storeClient, storeTasks, testKeys } from './dispatcher-test-kit';

describe('scheduler', () => {
  const clock = new ManualClock(Date.parse('2026-03-10T12:00:00Z'));
  const keys = testKeys();
  let booted: BootedApp;
  let redis: Redis;
  let scheduler: SchedulerService;

  beforeAll(async () => {
    booted = await bootDispatcher(clock);
    scheduler = booted.app.get(SchedulerService);
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

  it('completes due tasks and leaves future ones scheduled', async () => {
    const now = clock.now();
    await storeTasks(
      redis,
      keys,
      [
        { id: 'late', scheduled_time: now - 60_000 },
        { id: 'now', scheduled_time: now },
        { id: 'future', scheduled_time: now + 60_000 },
      ],
      now - 120_000,
    );

    const pass = await scheduler.runPass();
    expect(pass).toMatchObject({ triggered: 2, completed: 2, rescheduled: 0, pruned: 0, caught_up: true });

    for (const id of ['late', 'now']) {
      const task = await redis.hgetall(keys.task(id));
      expect(task).toMatchObject({
        status: TaskStatus.Complete,
        run_count: '1',
        last_run_time: String(now),
        task_update_time: String(now),
      });
      expect(await redis.zscore(keys.completeIndex, id)).toBe(String(now));
      expect(await redis.zscore(keys.scheduledIndex, id)).toBeNull();
      // Completion re-sets the TTL to the retention period plus slack: it outlives retention.
      const ttl = await redis.pttl(keys.task(id));
      expect(ttl).toBeGreaterThan(RETENTION_MS);
      expect(ttl).toBeLessThanOrEqual(RETENTION_MS + TTL_SLACK_MS);
    }
    expect(await redis.hget(keys.task('future'), 'status')).toBe(TaskStatus.Scheduled);
    expect(await redis.zscore(keys.scheduledIndex, 'future')).toBe(String(now + 60_000));

    expect((await scheduler.runPass()).triggered).toBe(0);
    clock.advance(60_000);
    expect(await scheduler.runPass()).toMatchObject({ triggered: 1, completed: 1 });
    expect(await redis.hget(keys.task('future'), 'status')).toBe(TaskStatus.Complete);
  });

  // Each step: the clock is set to `at`, one pass runs, and the task must then be due at `next`.
  const periodic: Array<{
    name: string;
    periodicity: string;
    first: string;
    steps: Array<[at: string, next: string]>;
  }> = [
    {
      name: 'hourly across a month end',
      periodicity: 'hourly',
      first: '2024-01-31T23:15:00Z',
      steps: [
        ['2024-01-31T23:15:00Z', '2024-02-01T00:15:00Z'],
        ['2024-02-01T00:15:00Z', '2024-02-01T01:15:00Z'],
      ],
    },
    {
      name: 'daily across a leap day',
      periodicity: 'daily',
      first: '2024-02-28T06:00:00Z',
      steps: [
        ['2024-02-28T06:00:00Z', '2024-02-29T06:00:00Z'],
        ['2024-02-29T06:00:00Z', '2024-03-01T06:00:00Z'],
      ],
    },
    {
      name: 'daily across a non-leap February end',
      periodicity: 'daily',
      first: '2023-02-28T06:00:00Z',
      steps: [['2023-02-28T06:00:00Z', '2023-03-01T06:00:00Z']],
    },
    {
      name: 'weekly across a year end',
      periodicity: 'weekly',
      first: '2023-12-28T10:00:00Z',
      steps: [['2023-12-28T10:00:00Z', '2024-01-04T10:00:00Z']],
    },
    {
      name: 'weekly across a leap day',
      periodicity: 'weekly',
      first: '2024-02-26T08:00:00Z',
      steps: [['2024-02-26T08:00:00Z', '2024-03-04T08:00:00Z']],
    },
    {
      name: 'monthly on the 31st through a leap February and a 30-day month',
      periodicity: 'monthly',
      first: '2024-01-31T09:00:00Z',
      steps: [
        ['2024-01-31T09:00:00Z', '2024-02-29T09:00:00Z'],
        ['2024-02-29T09:00:00Z', '2024-03-31T09:00:00Z'],
        ['2024-03-31T09:00:00Z', '2024-04-30T09:00:00Z'],
        ['2024-04-30T09:00:00Z', '2024-05-31T09:00:00Z'],
      ],
    },
    {
      name: 'monthly on the 31st in a non-leap year',
      periodicity: 'monthly',
      first: '2023-01-31T09:00:00Z',
      steps: [
        ['2023-01-31T09:00:00Z', '2023-02-28T09:00:00Z'],
        ['2023-02-28T09:00:00Z', '2023-03-31T09:00:00Z'],
      ],
    },
    {
      name: 'cron on the first of the month',
      periodicity: '0 12 1 * *',
      first: '2024-01-01T12:00:00Z',
      steps: [
        ['2024-01-01T12:00:00Z', '2024-02-01T12:00:00Z'],
        ['2024-02-01T12:00:00Z', '2024-03-01T12:00:00Z'],
      ],
    },
    {
      name: 'cron on leap days only',
      periodicity: '0 0 29 2 *',
      first: '2024-02-29T00:00:00Z',
      steps: [['2024-02-29T00:00:00Z', '2028-02-29T00:00:00Z']],
    },
  ];

  it.each(periodic)('advances $name', async ({ periodicity, first, steps }) => {
    await storeTasks(redis, keys, [{ id: 'p', scheduled_time: first, periodicity }], Date.parse(first) - 3_600_000);
    let runs = 0;
    for (const [at, next] of steps) {
      clock.set(at);
      expect(await scheduler.runPass()).toMatchObject({ triggered: 1, rescheduled: 1, completed: 0 });
      runs++;
      const task = await redis.hgetall(keys.task('p'));
      expect({
        status: task.status,
        scheduled: iso(task.scheduled_time),
        runs: task.run_count,
        last: iso(task.last_run_time),
      }).toEqual({
        status: TaskStatus.Scheduled,
        scheduled: new Date(next).toISOString(),
        runs: String(runs),
        last: new Date(at).toISOString(),
      });
      expect(task.task_update_time).toBe(String(clock.now()));
      expect(await redis.zscore(keys.scheduledIndex, 'p')).toBe(String(Date.parse(next)));
      // The TTL follows the next run: it lives until then plus the retention period.
      expect(await redis.pttl(keys.task('p'))).toBeGreaterThan(Date.parse(next) - clock.now() + RETENTION_MS);
      expect((await scheduler.runPass()).triggered).toBe(0);
    }
  });

  const missed: Array<[periodicity: string, first: string, at: string, next: string]> = [
    ['hourly', '2024-03-01T00:00:00Z', '2024-03-01T05:30:00Z', '2024-03-01T06:00:00Z'],
    ['daily', '2024-02-27T08:00:00Z', '2024-03-02T09:00:00Z', '2024-03-03T08:00:00Z'],
    ['monthly', '2024-01-31T09:00:00Z', '2024-05-15T00:00:00Z', '2024-05-31T09:00:00Z'],
    ['*/15 * * * *', '2024-03-01T00:00:00Z', '2024-03-01T02:07:00Z', '2024-03-01T02:15:00Z'],
  ];

  it.each(missed)('coalesces missed %s runs into one run', async (periodicity, first, at, next) => {
    await storeTasks(redis, keys, [{ id: 'm', scheduled_time: first, periodicity }], Date.parse(first) - 60_000);
    clock.set(at);
    expect(await scheduler.runPass()).toMatchObject({ triggered: 1, rescheduled: 1 });
    expect((await scheduler.runPass()).triggered).toBe(0);
    const task = await redis.hgetall(keys.task('m'));
    expect([task.run_count, iso(task.scheduled_time)]).toEqual(['1', new Date(next).toISOString()]);
  });

  it('keeps a task due 60 days out until it is due, then for the retention period', async () => {
    const storedAt = Date.parse('2026-03-10T12:00:00Z');
    const due = storedAt + 60 * DAY_MS;
    clock.set(storedAt);
    await storeTasks(redis, keys, [{ id: 'far', scheduled_time: due }], storedAt);
    // Redis expires keys on its own clock, not the test's, so the TTL is what shows it survives.
    expect(await redis.pttl(keys.task('far'))).toBeGreaterThan(due - storedAt + RETENTION_MS);
    expect((await scheduler.runPass()).triggered).toBe(0);

    clock.set(due);
    expect(await scheduler.runPass()).toMatchObject({ triggered: 1, completed: 1 });
    expect(await redis.hget(keys.task('far'), 'status')).toBe(TaskStatus.Complete);
    expect(await redis.pttl(keys.task('far'))).toBeGreaterThan(RETENTION_MS);
  });

  it('claims more due tasks than one batch holds in one pass, batch by batch', async () => {
    const now = clock.now();
    const specs = Array.from({ length: 1234 }, (_, i) => ({ id: `bulk-${i}`, scheduled_time: now - (i % 7) * 1000 }));
    await storeTasks(redis, keys, specs, now - 10_000);
    expect(await scheduler.runPass()).toMatchObject({ triggered: 1234, completed: 1234, batches: 3, caught_up: true });
    expect(await redis.zcard(keys.scheduledIndex)).toBe(0);
    expect(await redis.zcard(keys.completeIndex)).toBe(1234);
  });

  it('drops scheduled-index entries whose task expired, without triggering anything', async () => {
    const now = clock.now();
    await storeTasks(
      redis,
      keys,
      [
        { id: 'gone', scheduled_time: now - 1000 },
        { id: 'kept', scheduled_time: now - 1000 },
      ],
      now - 5000,
    );
    await redis.del(keys.task('gone'));
    expect(await scheduler.runPass()).toMatchObject({ triggered: 1, pruned: 1 });
    expect(await redis.zscore(keys.scheduledIndex, 'gone')).toBeNull();
    expect(await redis.exists(keys.task('gone'))).toBe(0);
  });

  it('completes a task whose periodicity cannot be read rather than stalling every pass', async () => {
    const now = clock.now();
    await storeTasks(redis, keys, [{ id: 'odd', scheduled_time: now - 1000, periodicity: 'daily' }], now - 5000);
    await redis.hset(keys.task('odd'), 'periodicity', 'every other tuesday');
    expect(await scheduler.runPass()).toMatchObject({ triggered: 1, completed: 1 });
  });

  it('runs a pass on POST /scheduler/run and counts it in /metrics', async () => {
    const now = clock.now();
    await storeTasks(
      redis,
      keys,
      [
        { id: 'a', scheduled_time: now - 1000 },
        { id: 'b', scheduled_time: now - 1000, periodicity: 'daily' },
        { id: 'c', scheduled_time: now + DAY_MS },
      ],
      now - 5000,
    );
    const res = await request(booted.url).post('/scheduler/run').expect(200);
    expect(res.body).toMatchObject({
      triggered: 2,
      completed: 1,
      rescheduled: 1,
      pruned: 0,
      skipped: 0,
      batches: 1,
      caught_up: true,
    });
    expect(typeof res.body.duration_ms).toBe('number');

    const metrics = await request(booted.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^tq_scheduler_triggered_total \d+$/m);
    expect(metrics.text).toMatch(/^tq_scheduler_rescheduled_total [1-9]\d*$/m);
    expect(metrics.text).toMatch(/^tq_scheduler_pass_duration_seconds_count [1-9]\d*$/m);
  });
});
