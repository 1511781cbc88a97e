import { defineScripts, RedisKeys, runScript, storeTaskScript } from '@app/redis';
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

  it('stores the delivered tasks of a round, leaves stored ones alone, reports missing and unreadable ones', async () => {
    const now = Date.now();
    const due = now + 60_000;
    const keepMs = 86_400_000;
    const delivered = ['store-a', 'store-b'];
    for (const id of delivered) await redis.hset(keys.task(id), { id, status: 'dispatched', scheduled_time: due });
    await redis.hset(keys.task('store-done'), { id: 'store-done', status: 'scheduled', scheduled_time: due, stored_time: 1 });

    await redis.hset(keys.task('store-corrupt'), { id: 'store-corrupt', status: 'dispatched', scheduled_time: 'soon' });

    const ids = ['store-a', 'store-done', 'store-missing', 'store-corrupt', 'store-b'];
    const outcomes = await runScript<number[]>(
      redis,
      storeTaskScript,
      [...ids.map((id) => keys.task(id)), keys.scheduledIndex],
      [now, keepMs, '{"sent":true}', '', '', '', ''],
    );

    expect(outcomes).toEqual([1, 0, -1, -2, 1]);
    expect(await redis.hget(keys.task('store-corrupt'), 'status')).toBe('dispatched');
    expect(await redis.hmget(keys.task('store-a'), 'status', 'stored_time', 'result')).toEqual(['scheduled', String(now), '{"sent":true}']);
    expect(await redis.hmget(keys.task('store-b'), 'status', 'result')).toEqual(['scheduled', null]);
    expect(await redis.hget(keys.task('store-done'), 'stored_time')).toBe('1');
    expect(await redis.exists(keys.task('store-missing'))).toBe(0);
    // Kept until due, then for the retention period.
    const ttl = await redis.pttl(keys.task('store-a'));
    expect(ttl).toBeGreaterThan(due - now + keepMs - 5_000);
    expect(ttl).toBeLessThanOrEqual(due - now + keepMs);
    expect(await redis.zrange(keys.scheduledIndex, '0', '-1', 'WITHSCORES')).toEqual(['store-a', String(due), 'store-b', String(due)]);
  });
});
