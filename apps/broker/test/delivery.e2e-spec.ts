import '../../../test/fast-timeouts';
import { TaskStatus } from '@app/common';
import { defineScripts, RedisKeys, runScript, StoreMode, storeTaskScript } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, deleteKeys, eventually, freePort, testRedis } from '../../../test/helpers';
import { StandInConsumer } from '../../../test/stand-in-consumer';
import { AppModule } from '../src/app.module';
import {
  declareQueue,
  declareQueueOwnedBy,
  expectAllStoredOnce,
  queueCounts,
  startConsumer,
  statuses,
  submitBulk,
  tasksFor,
} from './delivery-harness';

describe('delivery path: broker and consumers', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;
  let broker: BootedApp;
  let brokerPort: number;

  beforeAll(async () => {
    redis = testRedis();
    defineScripts(redis, [storeTaskScript]);
    brokerPort = await freePort();
    process.env.BROKER_URL = `http://127.0.0.1:${brokerPort}`;
    broker = await bootApp(AppModule, 'broker', undefined, brokerPort);
  });

  afterAll(async () => {
    await broker?.app.close();
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  it('routes each task by binding key to its queue and stores it once', async () => {
    const consumer = await startConsumer();
    try {
      const [a, b] = [await declareQueue(broker.url), await declareQueue(broker.url)];
      const ids = await submitBulk(broker.url, [...tasksFor(a, 30), ...tasksFor(b, 20)]);
      await expectAllStoredOnce(redis, keys, a, ids.slice(0, 30));
      await expectAllStoredOnce(redis, keys, b, ids.slice(30));
      const task = await request(broker.url).get(`/tasks/${ids[40]}`).expect(200);
      expect(task.body).toMatchObject({
        id: ids[40],
        queue: b,
        binding_key: b,
        status: TaskStatus.Scheduled,
        attempts: 1,
      });
      const metrics = (await request(broker.url).get('/metrics')).text;
      const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
      expect(value('tq_acked_total')).toBeGreaterThanOrEqual(50);
      expect(value('tq_dispatched_total')).toBeGreaterThanOrEqual(50);
      expect(value('tq_accept_to_ack_seconds_count')).toBe(value('tq_acked_total'));
      expect(metrics).toContain(`tq_queue_in_flight{queue="${a}"} 0`);
    } finally {
      await consumer.app.close();
    }
  });

  it('delivers and stores a task whose payload is as deep as the broker accepts', async () => {
    const consumer = await startConsumer();
    try {
      const queue = await declareQueue(broker.url);
      // The task object is level 1 and its payload level 2, so 30 more levels reach the limit of 32.
      const payload = JSON.parse('{"a":'.repeat(30) + '1' + '}'.repeat(30));
      const res = await request(broker.url)
        .post('/tasks')
        .send({ task_name: 'deep', task_type: 'work', binding_key: queue, payload })
        .expect(201);
      await expectAllStoredOnce(redis, keys, queue, [res.body.id]);
    } finally {
      await consumer.app.close();
    }
  });

  it('splits deliveries of large tasks below the consumer body limit instead of having them refused', async () => {
    // Queued before any consumer is there, so the first claim takes all 600 at once:
    // 36 MB of 60 KB tasks, over the consumer's 32 MiB body limit if sent as one batch.
    const queue = await declareQueue(broker.url);
    const tasks = tasksFor(queue, 600, { payload: { blob: 'x'.repeat(60_000) } });
    const ids: string[] = [];
    for (let i = 0; i < tasks.length; i += 200) ids.push(...(await submitBulk(broker.url, tasks.slice(i, i + 200))));
    const consumer = await startConsumer();
    try {
      await expectAllStoredOnce(redis, keys, queue, ids, 30_000);
      const attempts = await Promise.all(
        ids.slice(0, 20).map(async (id) => Number(await redis.hget(keys.task(id), 'attempts'))),
      );
      expect(new Set(attempts)).toEqual(new Set([1]));
    } finally {
      await consumer.app.close();
    }
  });

  it('answers a single POST /tasks with 201, and 200 without enqueueing again for a known id', async () => {
    const queue = await declareQueue(broker.url);
    const body = { id: `fixed-${queue}`, task_name: 'once', task_type: 'work', binding_key: queue };
    const first = await request(broker.url).post('/tasks').send(body).expect(201);
    expect(first.body).toEqual({ id: body.id, queue, status: TaskStatus.Queued });
    const again = await request(broker.url).post('/tasks').send(body).expect(200);
    expect(again.body.id).toBe(body.id);
    expect((await queueCounts(redis, keys, queue)).pending).toBe(1);
  });

  it('dispatches higher priority first, first in first out within a priority', async () => {
    const standIn = await new StandInConsumer('record').start();
    try {
      const queue = await declareQueue(broker.url);
      const priorities = [0, 5, 9, 5, 0, 9, 1];
      const ids = await submitBulk(
        broker.url,
        priorities.map((priority, i) => ({ ...tasksFor(queue, 1)[0], task_name: `p${priority}-${i}`, priority })),
      );
      await standIn.register(broker.url);
      const received = await eventually(
        () => {
          const mine = standIn.received.filter((d) => d.queue === queue);
          return mine.length === ids.length && mine;
        },
        10_000,
        'all deliveries',
      );
      const order = received.map((d) => ids.indexOf(d.task.id));
      expect(order).toEqual([2, 5, 1, 3, 6, 0, 4]);
    } finally {
      await standIn.stop();
    }
  });

  it('stores every task exactly once when a consumer answers 500, retrying on a different consumer', async () => {
    const failing = await new StandInConsumer('fail-500').start();
    await failing.register(broker.url);
    const consumer = await startConsumer();
    try {
      const queue = await declareQueueOwnedBy(broker.url, failing.id!);
      const ids = await submitBulk(broker.url, tasksFor(queue, 200));
      await expectAllStoredOnce(redis, keys, queue, ids);
      expect(failing.received.filter((d) => d.queue === queue).length).toBeGreaterThan(0);
      const retried = await request(broker.url).get(
        `/tasks/${failing.received.find((d) => d.queue === queue)!.task.id}`,
      );
      expect(retried.body.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await failing.stop();
      await consumer.app.close();
    }
  });

  it('redelivers to another consumer when one takes deliveries and never acks', async () => {
    const silent = await new StandInConsumer('never-ack').start();
    await silent.register(broker.url);
    const consumer = await startConsumer();
    try {
      const queue = await declareQueueOwnedBy(broker.url, silent.id!);
      const ids = await submitBulk(broker.url, tasksFor(queue, 100));
      await expectAllStoredOnce(redis, keys, queue, ids);
      expect(silent.received.filter((d) => d.queue === queue)).toHaveLength(100);
    } finally {
      await silent.stop();
      await consumer.app.close();
    }
  });

  it('dead-letters a task after max_retries with its last error, and replays it', async () => {
    let failing = true;
    const consumer = await startConsumer();
    const { HandlerRegistry } = await import('@app/consumer');
    consumer.app.get(HandlerRegistry).add(
      { taskType: 'doomed', concurrency: 1, timeoutMs: 5_000 },
      {
        handle: () => {
          // Longer than an ack's error may be: the consumer must cut it, or the broker refuses the acks.
          if (failing) throw new Error(`disk on fire ${'!'.repeat(5_000)}`);
          return { ok: true };
        },
      },
    );
    try {
      const queue = await declareQueue(broker.url);
      const [id] = await submitBulk(broker.url, [
        { task_name: 'doomed', task_type: 'doomed', binding_key: queue, max_retries: 2 },
      ]);
      await eventually(
        async () => (await statuses(redis, keys, [id])).get(id) === TaskStatus.DeadLettered,
        10_000,
        'dead letter',
      );
      const dead = await request(broker.url).get(`/queues/${queue}/dead-letters`).expect(200);
      expect(dead.body).toHaveLength(1);
      expect(dead.body[0]).toMatchObject({ id, attempts: 3, status: TaskStatus.DeadLettered });
      expect(dead.body[0].last_error).toContain('disk on fire');
      expect((await request(broker.url).get(`/queues/${queue}`)).body.dead_letters).toBe(1);

      failing = false;
      const replay = await request(broker.url).post(`/queues/${queue}/dead-letters/replay`).expect(201);
      expect(replay.body).toEqual({ replayed: 1 });
      await expectAllStoredOnce(redis, keys, queue, [id]);
      expect(JSON.parse((await redis.hget(keys.task(id), 'result'))!)).toEqual({ ok: true });
    } finally {
      await consumer.app.close();
    }
  });

  it('ignores what a slow consumer reports for a delivery that was dead-lettered meanwhile', async () => {
    const silent = await new StandInConsumer('never-ack').start();
    await silent.register(broker.url);
    try {
      const queue = await declareQueueOwnedBy(broker.url, silent.id!);
      const [id] = await submitBulk(broker.url, [
        { task_name: 'late', task_type: 'work', binding_key: queue, max_retries: 0 },
      ]);
      await eventually(
        async () => (await statuses(redis, keys, [id])).get(id) === TaskStatus.DeadLettered,
        10_000,
        'dead letter',
      );
      // The consumer that held it all along stores it and acks its (first and only) delivery: too late.
      const deliveryId = silent.received.find((d) => d.task.id === id)!.delivery_id;
      const [outcome] = await runScript<number[]>(
        redis,
        storeTaskScript,
        [keys.task(id), keys.scheduledIndex, keys.completeIndex],
        [Date.now(), 86_400_000, StoreMode.StoreOnly, '', '', deliveryId],
      );
      expect(outcome).toBe(-4);
      await request(broker.url)
        .post('/acks')
        .set(silent.credentials)
        .send({ acks: [{ delivery_id: deliveryId, ok: true }] })
        .expect(204);
      expect(await queueCounts(redis, keys, queue)).toEqual({ pending: 0, inFlight: 0, delayed: 0, dead: 1 });
      expect((await statuses(redis, keys, [id])).get(id)).toBe(TaskStatus.DeadLettered);
    } finally {
      await silent.stop();
    }
  });

  it('extends the lease of a held delivery, and tells its consumer once it went stale or was cancelled', async () => {
    const holder = await new StandInConsumer('never-ack').start();
    await holder.register(broker.url);
    try {
      const queue = await declareQueueOwnedBy(broker.url, holder.id!);
      const [kept, moved, cancelled] = await submitBulk(broker.url, tasksFor(queue, 3));
      await eventually(
        () => [kept, moved, cancelled].every((id) => holder.received.some((d) => d.task.id === id)) || false,
        5_000,
        'the deliveries',
      );
      // The latest delivery of each: a slow machine may have let a lease lapse and redelivered it already.
      const idOf = (task: string) => holder.received.filter((d) => d.task.id === task).at(-1)!.delivery_id;
      const leases = (ids: string[]) =>
        request(broker.url)
          .post('/leases')
          .set(holder.credentials)
          .send({ leases: ids.map((delivery_id) => ({ delivery_id })) })
          .expect(200);

      const before = Number(await redis.zscore(keys.queueInflight(queue), kept));
      await new Promise((resolve) => setTimeout(resolve, 20));
      // As if it had been failed back and sent elsewhere meanwhile: another delivery is current.
      await redis.hset(keys.task(moved), 'delivery_id', `${queue}~2~${moved}~${'0'.repeat(24)}`);
      await request(broker.url).delete(`/tasks/${cancelled}`).expect(200);
      const { body } = await leases([idOf(kept), idOf(moved), idOf(cancelled)]);
      expect(body).toMatchObject({ extended: 1, stale: [idOf(moved)], cancelled: [idOf(cancelled)] });
      expect(Number(await redis.zscore(keys.queueInflight(queue), kept))).toBeGreaterThan(before);
    } finally {
      await holder.stop();
    }
  });

  it('drops a consumer that misses its heartbeats, and only that one', async () => {
    const quiet = await new StandInConsumer('record').start();
    const alive = await new StandInConsumer('record').start();
    await quiet.register(broker.url);
    await alive.register(broker.url);
    try {
      quiet.stopHeartbeats();
      const ids = async () =>
        ((await request(broker.url).get('/consumers')).body.items as Array<{ id: string }>).map((c) => c.id);
      await eventually(async () => !(await ids()).includes(quiet.id!), 5_000, 'the quiet consumer to be dropped');
      expect(await ids()).toContain(alive.id);
      await request(broker.url).post(`/consumers/${quiet.id}/heartbeat`).set(quiet.credentials).expect(404);
    } finally {
      await quiet.stop();
      await alive.stop();
    }
  });

  it('rebalances queues when a consumer joins and when it leaves', async () => {
    const first = await startConsumer();
    const second = await startConsumer();
    try {
      const owners = async () =>
        new Set(
          ((await request(broker.url).get('/queues')).body.items as Array<{ consumer: string }>).map((q) => q.consumer),
        );
      await eventually(async () => (await owners()).size === 2, 5_000, 'two owners');
      await second.app.close();
      const remaining = await eventually(
        async () => {
          const set = await owners();
          return set.size === 1 && [...set][0];
        },
        5_000,
        'one owner',
      );
      const consumers = (await request(broker.url).get('/consumers')).body.items as Array<{
        id: string;
        queues: string[];
      }>;
      expect(consumers).toHaveLength(1);
      expect(consumers[0].id).toBe(remaining);
    } finally {
      await first.app.close();
    }
  });

  it('recovers in-flight deliveries after the broker is stopped and a new one starts', async () => {
    const silent = await new StandInConsumer('never-ack').start();
    await silent.register(broker.url);
    const queue = await declareQueueOwnedBy(broker.url, silent.id!);
    const ids = await submitBulk(broker.url, tasksFor(queue, 50));
    await eventually(async () => (await queueCounts(redis, keys, queue)).inFlight === 50, 5_000, 'all in flight');
    await broker.app.close();
    await silent.stop();

    broker = await bootApp(AppModule, 'broker', undefined, brokerPort);
    const consumer = await startConsumer();
    try {
      await expectAllStoredOnce(redis, keys, queue, ids);
    } finally {
      await consumer.app.close();
    }
  });
});
