import { TaskStatus } from '@app/common';
import { defineScripts, RedisKeys, runScript, ScriptCode, StoreMode, storeTaskScript } from '@app/redis';
import type Redis from 'ioredis';
import { deleteKeys, testRedis } from '../../../test/helpers';

/** tqStoreTasks against a real Redis: one call stores a consumer's whole round. */
describe('store script', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;

  beforeAll(() => {
    redis = testRedis();
    defineScripts(redis, [storeTaskScript]);
  });

  afterAll(async () => {
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  it('stores the tasks of a round, leaves stored ones alone, reports missing and unreadable ones', async () => {
    const now = Date.now();
    const due = now + 60_000;
    const keepMs = 86_400_000;
    const delivered = ['store-a', 'store-b'];
    for (const id of delivered)
      await redis.hset(keys.task(id), {
        id,
        status: TaskStatus.Dispatched,
        scheduled_time: due,
        delivery_id: `d-${id}`,
      });
    await redis.hset(keys.task('store-done'), {
      id: 'store-done',
      status: TaskStatus.Scheduled,
      scheduled_time: due,
      stored_time: 1,
      delivery_id: 'd-store-done',
    });
    await redis.hset(keys.task('store-corrupt'), {
      id: 'store-corrupt',
      status: TaskStatus.Dispatched,
      scheduled_time: 'soon',
      delivery_id: 'd-store-corrupt',
    });
    // Out for another delivery, and failed back to its queue: neither is this delivery's to store.
    await redis.hset(keys.task('store-other'), {
      id: 'store-other',
      status: TaskStatus.Dispatched,
      scheduled_time: due,
      delivery_id: 'd-someone-else',
    });
    await redis.hset(keys.task('store-requeued'), {
      id: 'store-requeued',
      status: TaskStatus.Queued,
      scheduled_time: due,
      delivery_id: 'd-store-requeued',
    });

    const ids = ['store-a', 'store-done', 'store-missing', 'store-corrupt', 'store-b', 'store-other', 'store-requeued'];
    const modes = [
      StoreMode.AwaitRun,
      StoreMode.StoreOnly,
      StoreMode.StoreOnly,
      StoreMode.StoreOnly,
      StoreMode.StoreOnly,
      StoreMode.StoreOnly,
      StoreMode.StoreOnly,
    ];
    const perTask = ids.flatMap((id, i) => [modes[i], '', '', `d-${id}`]);
    const outcomes = await runScript<number[]>(
      redis,
      storeTaskScript,
      [...ids.map((id) => keys.task(id)), keys.scheduledIndex, keys.completeIndex],
      [now, keepMs, ...perTask],
    );

    const { TaskNotFound, TaskUnreadable, NotCurrentDelivery } = ScriptCode;
    expect(outcomes).toEqual([1, 0, TaskNotFound, TaskUnreadable, 1, NotCurrentDelivery, NotCurrentDelivery]);
    expect(await redis.hget(keys.task('store-other'), 'status')).toBe(TaskStatus.Dispatched);
    expect(await redis.hget(keys.task('store-requeued'), 'status')).toBe(TaskStatus.Queued);
    expect(await redis.hget(keys.task('store-corrupt'), 'status')).toBe(TaskStatus.Dispatched);
    expect(await redis.hmget(keys.task('store-a'), 'status', 'stored_time', 'awaits_run')).toEqual([
      TaskStatus.Scheduled,
      String(now),
      '1',
    ]);
    expect(await redis.hmget(keys.task('store-b'), 'status', 'awaits_run')).toEqual([TaskStatus.Scheduled, null]);
    expect(await redis.hget(keys.task('store-done'), 'stored_time')).toBe('1');
    expect(await redis.exists(keys.task('store-missing'))).toBe(0);
    // Kept until due, then for the retention period.
    const ttl = await redis.pttl(keys.task('store-a'));
    expect(ttl).toBeGreaterThan(due - now + keepMs - 5_000);
    expect(ttl).toBeLessThanOrEqual(due - now + keepMs);
    expect(await redis.zrange(keys.scheduledIndex, '0', '-1', 'WITHSCORES')).toEqual([
      'store-a',
      String(due),
      'store-b',
      String(due),
    ]);
  });

  it('records a run: a once task completes with its result, a released periodic one awaits its next time', async () => {
    const now = Date.now();
    const keepMs = 86_400_000;
    const next = now + 3_600_000;
    const common = {
      status: TaskStatus.Running,
      scheduled_time: now - 1_000,
      attempts: 2,
      consumer: 'c-7',
      last_error: 'boom',
      progress: '50',
      delivery_id: 'd-ran',
    };
    await redis.hset(keys.task('ran-once'), { ...common, id: 'ran-once', periodicity: 'once' });
    await redis.hset(keys.task('ran-hourly'), {
      ...common,
      id: 'ran-hourly',
      periodicity: 'hourly',
      next_time: next,
      run_count: 3,
      result: '"old"',
    });

    const outcomes = await runScript<number[]>(
      redis,
      storeTaskScript,
      [keys.task('ran-once'), keys.task('ran-hourly'), keys.scheduledIndex, keys.completeIndex],
      [now, keepMs, StoreMode.Ran, '{"sent":true}', now - 500, 'd-ran', StoreMode.Ran, '', now - 400, 'd-ran'],
    );

    expect(outcomes).toEqual([1, 1]);
    const once = await redis.hgetall(keys.task('ran-once'));
    expect(once).toMatchObject({
      status: TaskStatus.Complete,
      result: '{"sent":true}',
      run_count: '1',
      last_run_time: String(now),
    });
    expect(once.last_error ?? once.progress ?? once.awaits_run).toBeUndefined();
    expect(JSON.parse(once.runs)).toEqual([
      { attempt: 2, consumer: 'c-7', started: now - 500, finished: now, outcome: 'ok', error: null },
    ]);
    expect(await redis.zscore(keys.completeIndex, 'ran-once')).toBe(String(now));
    expect(await redis.pttl(keys.task('ran-once'))).toBeGreaterThan(keepMs - 5_000);

    const hourly = await redis.hgetall(keys.task('ran-hourly'));
    expect(hourly).toMatchObject({
      status: TaskStatus.Scheduled,
      scheduled_time: String(next),
      awaits_run: '1',
      run_count: '4',
    });
    // The latest run returned nothing: the previous run's result is not shown as this one's.
    expect(hourly.result ?? hourly.next_time).toBeUndefined();
    expect(await redis.zscore(keys.scheduledIndex, 'ran-hourly')).toBe(String(next));
    expect(await redis.zscore(keys.completeIndex, 'ran-hourly')).toBeNull();
  });

  it('stores nothing for a task cancelled while its consumer held it', async () => {
    const now = Date.now();
    await redis.hset(keys.task('cancelled'), {
      id: 'cancelled',
      status: TaskStatus.Cancelled,
      scheduled_time: now - 1_000,
      periodicity: 'once',
      delivery_id: 'd-c',
    });
    const outcomes = await runScript<number[]>(
      redis,
      storeTaskScript,
      [keys.task('cancelled'), keys.scheduledIndex, keys.completeIndex],
      [now, 86_400_000, StoreMode.Ran, '{"late":true}', now - 500, 'd-c'],
    );
    expect(outcomes).toEqual([ScriptCode.TaskCancelled]);
    expect(await redis.hgetall(keys.task('cancelled'))).toEqual({
      id: 'cancelled',
      status: TaskStatus.Cancelled,
      scheduled_time: String(now - 1_000),
      periodicity: 'once',
      delivery_id: 'd-c',
    });
    expect(await redis.zscore(keys.completeIndex, 'cancelled')).toBeNull();
  });
});
