import '../../../test/fast-timeouts';
import { TaskStatus } from '@app/common';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, deleteKeys, eventually, freePort, testRedis } from '../../../test/helpers';
import { StandInConsumer } from '../../../test/stand-in-consumer';
import { AppModule } from '../src/app.module';
import { declareQueue, declareQueueOwnedBy, startConsumer } from './delivery-harness';

/** Routing by capability: a task goes only to a live consumer that can run its task_type. */
describe('routing by task type', () => {
  let redis: Redis;
  let broker: BootedApp;
  let consumer: BootedApp | undefined;
  /** Registers for `other` only: it must never get a task of another type. */
  const otherOnly = new StandInConsumer('record');

  beforeAll(async () => {
    redis = testRedis();
    const port = await freePort();
    process.env.BROKER_URL = `http://127.0.0.1:${port}`;
    broker = await bootApp(AppModule, 'broker', undefined, port);
    await otherOnly.start();
    await otherOnly.register(broker.url, 1000, ['other']);
  });

  afterAll(async () => {
    await consumer?.app.close();
    await otherOnly.stop();
    await broker?.app.close();
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  const submit = async (queue: string, task_type: string, payload: object = {}) =>
    (
      await request(broker.url)
        .post('/tasks')
        .send({ task_name: task_type, task_type, binding_key: queue, payload })
        .expect(201)
    ).body.id as string;
  const read = async (id: string) => (await request(broker.url).get(`/tasks/${id}`).expect(200)).body;
  /** Ran (complete) for a handler's type, scheduled for a store-only one. */
  const stored = (id: string, status = TaskStatus.Complete) =>
    eventually(async () => ((await read(id)).status === status ? read(id) : false), 10_000, `task ${id} ${status}`);
  const receivedTypes = () => new Set(otherOnly.received.map((d) => d.task.task_type));

  it('keeps a task that no live consumer can run waiting, counted, until one that can registers', async () => {
    const queue = await declareQueue(broker.url);
    const id = await submit(queue, 'echo', { a: 1 });
    await eventually(
      async () => (await request(broker.url).get(`/queues/${queue}`)).body.waiting_for_consumer === 1 || false,
      5_000,
      'the task to wait',
    );
    expect((await request(broker.url).get(`/queues/${queue}`)).body).toMatchObject({
      depth: 1,
      pending: 0,
      in_flight: 0,
    });
    expect((await read(id)).status).toBe(TaskStatus.Queued);

    consumer = await startConsumer();
    expect((await stored(id)).result).toEqual({ echoed_keys: ['a'] });
    expect((await request(broker.url).get(`/queues/${queue}`)).body.waiting_for_consumer).toBe(0);
    const listed = (await request(broker.url).get('/consumers').expect(200)).body.items as Array<{
      id: string;
      types: string[];
    }>;
    expect(listed.find((c) => c.id === otherOnly.id)?.types).toEqual(['other']);
    expect(listed.find((c) => c.id !== otherOnly.id)?.types).toEqual(['echo', 'fail', 'sleep', '*']);
  });

  it('sends and retries a task only to consumers that can run it, even from a queue another one owns', async () => {
    const queue = await declareQueueOwnedBy(broker.url, otherOnly.id!);
    const failing = await Promise.all(Array.from({ length: 10 }, () => submit(queue, 'fail', { times: 1 })));
    const storeOnly = await submit(queue, 'work');
    for (const id of failing) {
      const task = await stored(id);
      expect(task).toMatchObject({ attempts: 2, result: { failed_attempts: 1 } });
      // Both attempts ran on the one consumer with a fail handler, never on the one without.
      expect(
        task.runs.map((run: { outcome: string; consumer: string }) => [run.outcome, run.consumer !== otherOnly.id]),
      ).toEqual([
        ['failed', true],
        ['ok', true],
      ]);
    }
    await stored(storeOnly, TaskStatus.Scheduled);
    const other = await submit(queue, 'other');
    await eventually(
      () => otherOnly.received.some((d) => d.task.id === other),
      5_000,
      'the other task at its consumer',
    );
    expect(receivedTypes()).toEqual(new Set(['other']));
  });

  it('refuses a registration with a malformed type list', async () => {
    const url = 'http://127.0.0.1:1';
    await request(broker.url)
      .post('/consumers')
      .send({ url, capacity: 1, types: ['Bad Type'] })
      .expect(400);
    await request(broker.url)
      .post('/consumers')
      .send({ url, capacity: 1, types: ['a', 'a'] })
      .expect(400);
    await request(broker.url).post('/consumers').send({ url, capacity: 1, types: 'echo' }).expect(400);
  });
});
