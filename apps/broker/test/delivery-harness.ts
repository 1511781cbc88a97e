import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, eventually, freePort } from '../../../test/helpers';

/**
 * Starts a real consumer app and waits until it is registered, so a test that then picks a queue's
 * owner does not see the assignment change under it; BROKER_URL must be set before the first call.
 */
export async function startConsumer(customize?: Parameters<typeof bootApp>[2]): Promise<BootedApp> {
  // Imported here, not at the top: the consumer reads BROKER_URL when its module loads.
  const { AppModule } = await import('../../consumer/src/app.module');
  const consumer = await bootApp(AppModule, 'consumer', customize);
  const { BrokerClient } = await import('@app/consumer');
  await eventually(() => consumer.app.get(BrokerClient).registeredId ?? false, 5_000, 'the consumer to register');
  return consumer;
}

/** A real broker on a free port, its AppModule imported here: after the file set its environment. */
export async function startBroker(port?: number): Promise<BootedApp> {
  const { AppModule } = await import('../src/app.module');
  return bootApp(AppModule, 'broker', undefined, port ?? (await freePort()));
}

/**
 * A real broker and a real consumer, and a fresh queue the consumer owns. The broker keeps the port
 * of BROKER_URL, which is chosen on the first call (the consumer reads it when its module loads),
 * so a file can boot the pair again after closing it.
 */
export async function startBrokerAndConsumer(): Promise<{ broker: BootedApp; consumer: BootedApp; queue: string }> {
  process.env.BROKER_URL ??= `http://127.0.0.1:${await freePort()}`;
  const broker = await startBroker(Number(new URL(process.env.BROKER_URL).port));
  const consumer = await startConsumer();
  const queue = await declareQueue(broker.url);
  await eventually(
    async () => (await request(broker.url).get(`/queues/${queue}`)).body.consumer ?? false,
    5_000,
    'a consumer to own the queue',
  );
  return { broker, consumer, queue };
}

/**
 * The task calls the e2e files make of their broker, given once it is booted: submit a task to the
 * file's queue (or another binding key), read it back, wait for a status.
 */
export function taskApi(brokerUrl: () => string, queue: () => string) {
  const read = async (id: string) => (await request(brokerUrl()).get(`/tasks/${id}`).expect(200)).body;
  return {
    submit: async (task_type: string, payload: object = {}, extra: object = {}, bindingKey = queue()) =>
      (
        await request(brokerUrl())
          .post('/tasks')
          .send({ task_name: task_type, task_type, binding_key: bindingKey, payload, ...extra })
          .expect(201)
      ).body.id as string,
    read,
    until: (id: string, status: TaskStatus) =>
      eventually(async () => ((await read(id)).status === status ? read(id) : false), 10_000, `task ${id} ${status}`),
  };
}

/** Declares a fresh queue bound to a key of the same name, and returns its name. */
export async function declareQueue(brokerUrl: string, capacity = 100_000): Promise<string> {
  const name = `q-${Math.random().toString(36).slice(2, 10)}`;
  await request(brokerUrl)
    .post('/queues')
    .send({ name, binding_keys: [name], capacity })
    .expect(201);
  return name;
}

/**
 * Declares queues until one is owned by the given consumer: ownership is round-robin by
 * declaration order, so at most one queue per live consumer is needed.
 */
export async function declareQueueOwnedBy(brokerUrl: string, consumerId: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const name = await declareQueue(brokerUrl);
    const owner = await eventually(
      async () => (await request(brokerUrl).get(`/queues/${name}`)).body.consumer ?? false,
      3000,
      'an owner',
    );
    if (owner === consumerId) return name;
  }
  throw new Error(`no queue could be given to ${consumerId}`);
}

export function tasksFor(bindingKey: string, count: number, extra: Record<string, unknown> = {}) {
  return Array.from({ length: count }, (_, i) => ({
    task_name: `task ${i}`,
    task_type: 'work',
    binding_key: bindingKey,
    payload: { i },
    ...extra,
  }));
}

export async function submitBulk(brokerUrl: string, tasks: object[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < tasks.length; i += 1000) {
    const res = await request(brokerUrl)
      .post('/tasks/bulk')
      .send(tasks.slice(i, i + 1000))
      .expect(201);
    ids.push(...res.body.ids);
  }
  return ids;
}

export async function statuses(redis: Redis, keys: RedisKeys, ids: string[]): Promise<Map<string, string | null>> {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(keys.task(id), 'status');
  const replies = (await pipeline.exec()) ?? [];
  return new Map(ids.map((id, i) => [id, replies[i][1] as string | null]));
}

export async function queueCounts(redis: Redis, keys: RedisKeys, queue: string) {
  const [pending, inFlight, delayed, dead] = await Promise.all([
    redis.zcard(keys.queuePending(queue)),
    redis.zcard(keys.queueInflight(queue)),
    redis.zcard(keys.queueDelayed(queue)),
    redis.zcard(keys.queueDead(queue)),
  ]);
  return { pending, inFlight, delayed, dead };
}

/**
 * Waits until every id is stored and its queue is empty, then checks that each is stored exactly
 * once: scheduled (store-only) or complete (its handler ran), present in the matching index, and
 * nothing left pending, in flight, retrying or dead.
 */
export async function expectAllStoredOnce(
  redis: Redis,
  keys: RedisKeys,
  queue: string,
  ids: string[],
  timeoutMs = 20_000,
) {
  await eventually(
    async () => {
      const all = await statuses(redis, keys, ids);
      const counts = await queueCounts(redis, keys, queue);
      return (
        [...all.values()].every((s) => s === TaskStatus.Scheduled || s === TaskStatus.Complete) &&
        counts.pending + counts.inFlight + counts.delayed === 0
      );
    },
    timeoutMs,
    `${ids.length} tasks of ${queue} to be stored`,
  );
  expect(new Set(ids).size).toBe(ids.length);
  const pipeline = redis.pipeline();
  for (const id of ids)
    pipeline.eval(
      "return redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZSCORE', KEYS[2], ARGV[1])",
      2,
      keys.scheduledIndex,
      keys.completeIndex,
      id,
    );
  const scores = ((await pipeline.exec()) ?? []).map(([, score]) => score);
  expect(scores.filter((s) => s === null)).toHaveLength(0);
  expect(await queueCounts(redis, keys, queue)).toEqual({ pending: 0, inFlight: 0, delayed: 0, dead: 0 });
}
