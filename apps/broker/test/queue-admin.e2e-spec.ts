import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, closeAndClean, testRedis } from '../../../test/helpers';
import { startBroker } from './delivery-harness';

// Read when the module loads: three queues come from the default QUEUES, so two more fit.
process.env.MAX_QUEUES = '5';
process.env.MAX_CONSUMERS = '2';

/** Queues are operator business: declared, changed and deleted with admin, and bounded by MAX_QUEUES. */
describe('deleting queues, and MAX_QUEUES', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;
  let broker: BootedApp;

  beforeAll(async () => {
    redis = testRedis();
    broker = await startBroker();
  });

  afterAll(async () => {
    delete process.env.MAX_QUEUES;
    delete process.env.MAX_CONSUMERS;
    await closeAndClean(redis, broker);
  });

  const declare = (name: string, key = name) =>
    request(broker.url)
      .post('/queues')
      .send({ name, binding_keys: [key], capacity: 100 });

  it('deletes an empty queue and frees its binding keys', async () => {
    await declare('gone', 'gone-key').expect(201);
    expect((await request(broker.url).delete('/queues/gone').expect(200)).body).toEqual({
      deleted: 'gone',
      cancelled: 0,
    });
    await request(broker.url).get('/queues/gone').expect(404);
    await declare('heir', 'gone-key').expect(201);
    await request(broker.url).delete('/queues/heir').expect(200);
  });

  it('refuses to delete a queue that holds tasks unless forced, and then cancels them', async () => {
    await declare('busy').expect(201);
    // No consumer runs here, so the task stays pending.
    const { body } = await request(broker.url)
      .post('/tasks')
      .send({ task_name: 't', task_type: 'x', binding_key: 'busy', payload: {} })
      .expect(201);
    const refused = await request(broker.url).delete('/queues/busy').expect(409);
    expect(refused.body.message).toEqual(['queue "busy" holds 1 tasks; delete it with ?force=true to cancel them']);
    await request(broker.url).get('/queues/busy').expect(200);
    expect((await request(broker.url).delete('/queues/busy?force=true').expect(200)).body).toEqual({
      deleted: 'busy',
      cancelled: 1,
    });
    expect((await request(broker.url).get(`/tasks/${body.id}`).expect(200)).body.status).toBe(TaskStatus.Cancelled);
    expect(await redis.exists(keys.queuePending('busy'))).toBe(0);
  });

  it('answers 404 for an unknown queue and 400 for a bad force', async () => {
    await request(broker.url).delete('/queues/nothing-here').expect(404);
    const bad = await request(broker.url).delete('/queues/default?force=yes').expect(400);
    expect(bad.body.message).toEqual(['force must be true or false']);
  });

  it('refuses a declaration past MAX_QUEUES, naming it, and takes one again after a delete', async () => {
    await declare('fourth').expect(201);
    await declare('fifth').expect(201);
    const refused = await declare('sixth').expect(409);
    expect(refused.body.message).toEqual(['5 queues are declared, the most MAX_QUEUES allows; delete one first']);
    // Changing a declared queue is still allowed at the bound.
    await declare('fifth', 'fifth-extra').expect(200);
    await request(broker.url).delete('/queues/fourth').expect(200);
    await declare('sixth').expect(201);
  });

  it('refuses a consumer registration past MAX_CONSUMERS, and takes one once a consumer left', async () => {
    const register = () => request(broker.url).post('/consumers').send({ url: 'http://127.0.0.1:1', capacity: 1 });
    const first = (await register().expect(201)).body;
    await register().expect(201);
    const refused = await register().expect(409);
    expect(refused.body.message).toEqual(['2 consumers are registered, the most MAX_CONSUMERS allows']);
    await request(broker.url).delete(`/consumers/${first.id}`).set('x-tq-consumer-secret', first.secret).expect(204);
    await register().expect(201);
  });

  it('cancels a task stored to await its run when its queue is gone by its time, instead of stranding it', async () => {
    process.env.SCHEDULER_WAKE_MS = '0';
    const dispatcher = await bootApp(
      (await import('../../task-dispatcher/src/app.module')).AppModule,
      'task-dispatcher',
    );
    try {
      // Room under MAX_QUEUES, which the case above filled.
      await request(broker.url).delete('/queues/sixth').expect(200);
      await declare('short-lived').expect(201);
      await request(broker.url).delete('/queues/short-lived').expect(200);
      // As a consumer stores a task due later: scheduled, awaiting its run, in the scheduled index.
      const key = keys.task('orphan-1');
      const due = Date.now() - 1_000;
      await redis.hset(key, {
        id: 'orphan-1',
        status: TaskStatus.Scheduled,
        awaits_run: '1',
        queue: 'short-lived',
        scheduled_time: String(due),
        periodicity: 'once',
        priority: '0',
        seq: '1',
      });
      await redis.zadd(keys.scheduledIndex, due, 'orphan-1');
      const { SchedulerService } = await import('../../task-dispatcher/src/scheduler/scheduler.service');
      await dispatcher.app.get(SchedulerService).runPass();
      expect(await redis.hmget(key, 'status', 'last_error')).toEqual([TaskStatus.Cancelled, 'its queue was deleted']);
      expect(await redis.exists(keys.queuePending('short-lived'))).toBe(0);
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    } finally {
      await dispatcher.app.close();
      delete process.env.SCHEDULER_WAKE_MS;
    }
  });
});
