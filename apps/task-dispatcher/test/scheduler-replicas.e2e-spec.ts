import { ManualClock, TaskStatus } from '@app/common';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { BootedApp, deleteKeys } from '../../../test/helpers';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { bootDispatcher, storeClient, storeTasks, testKeys } from './dispatcher-test-kit';

/** Two task-dispatchers on one Redis prefix, as two replicas would run. */
describe('two schedulers on the same tasks', () => {
  const clock = new ManualClock(Date.parse('2026-05-31T23:59:00Z'));
  const keys = testKeys();
  let replicas: BootedApp[];
  let redis: Redis;

  beforeAll(async () => {
    replicas = [await bootDispatcher(clock), await bootDispatcher(clock)];
    redis = storeClient();
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.app.close()));
    await deleteKeys(redis, keys.prefix);
    await redis.quit();
  });

  it('trigger every due task exactly once when their passes run at the same time', async () => {
    const now = clock.now();
    const count = 3000;
    const specs = Array.from({ length: count }, (_, i) => ({
      id: `r-${i}`,
      scheduled_time: now - (i % 50) * 1000,
      periodicity: i % 3 === 0 ? 'hourly' : 'once',
    }));
    await storeTasks(redis, keys, specs, now - 3_600_000);

    // Four passes at once: each replica's service, and its endpoint, which joins that replica's
    // running pass or, if it already ended, runs a new one that finds nothing left.
    const [a, b, ...viaHttp] = await Promise.all([
      replicas[0].app.get(SchedulerService).runPass(),
      replicas[1].app.get(SchedulerService).runPass(),
      request(replicas[0].url)
        .post('/scheduler/run')
        .expect(200)
        .then((res) => res.body),
      request(replicas[1].url)
        .post('/scheduler/run')
        .expect(200)
        .then((res) => res.body),
    ]);
    expect(a.triggered + b.triggered).toBe(count);
    viaHttp.forEach((pass, i) => expect([0, [a, b][i].triggered]).toContain(pass.triggered));

    const pipeline = redis.pipeline();
    for (const { id } of specs) pipeline.hmget(keys.task(id), 'run_count', 'status', 'periodicity');
    const rows = ((await pipeline.exec()) ?? []).map(([, row]) => row as string[]);
    expect(rows.filter(([runs]) => runs !== '1')).toEqual([]);
    expect(
      rows.filter(
        ([, status, periodicity]) => status !== (periodicity === 'once' ? TaskStatus.Complete : TaskStatus.Scheduled),
      ),
    ).toEqual([]);
    expect(await redis.zcard(keys.completeIndex)).toBe(2000);
    expect(await redis.zcount(keys.scheduledIndex, '-inf', now)).toBe(0);
    expect(await redis.zcount(keys.scheduledIndex, '-inf', '+inf')).toBe(1000);
  });
});
