import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, closeAndClean, eventually, testRedis } from '../../../test/helpers';
import { startBroker } from './delivery-harness';
import { StandInConsumer } from '../../../test/stand-in-consumer';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
process.env.AUTH = 'on';
process.env.API_KEYS = `client-a:submit+read+admin:${A};client-b:submit:${B};consumers:consumer:${C}`;
process.env.DELIVERY_SIGNING_KEYS = 'g'.repeat(40);
process.env.PENDING_CAP_PER_KEY = '3';

/** PENDING_CAP_PER_KEY: one key cannot fill a shared queue; a task counts until it leaves its queue. */
describe('a per-key cap on pending tasks', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;
  let broker: BootedApp;

  beforeAll(async () => {
    redis = testRedis();
    broker = await startBroker();
  });

  afterAll(() => closeAndClean(redis, broker));

  const as = (secret: string) => ({ Authorization: `Bearer ${secret}` });
  const task = (id: string) => ({ id, task_name: 't', task_type: 'x', binding_key: 'default', payload: {} });
  const submit = (secret: string, id: string) => request(broker.url).post('/tasks').set(as(secret)).send(task(id));

  it('refuses a key past its cap with 429, all or nothing in a bulk, and leaves other keys alone', async () => {
    // No consumer yet: the tasks stay pending.
    for (let i = 0; i < 3; i++) await submit(A, `cap-a-${i}`).expect(201);
    const refused = await submit(A, 'cap-a-3').expect(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.message).toEqual([
      'the key "client-a" has 3 tasks pending, the most PENDING_CAP_PER_KEY allows; retry once some are done',
    ]);
    await request(broker.url)
      .post('/tasks/bulk')
      .set(as(B))
      .send([task('cap-b-0'), task('cap-b-1'), task('cap-b-2'), task('cap-b-3')])
      .expect(429);
    expect(await redis.exists(keys.task('cap-b-0'))).toBe(0);
    await submit(B, 'cap-b-0').expect(201);
    // A resend of a known task is not a new one: it takes no room.
    await submit(A, 'cap-a-0').expect(200);
  });

  it('frees room as tasks leave their queue: cancelled, or stored and acked', async () => {
    await request(broker.url).delete('/tasks/cap-a-0').set(as(A)).expect(200);
    await submit(A, 'cap-a-4').expect(201);
    await submit(A, 'cap-a-5').expect(429);
    // A consumer that stores nothing takes them; its acks with results store them and free the room.
    const consumer = new StandInConsumer('record');
    await consumer.start();
    try {
      const res = await request(broker.url)
        .post('/consumers')
        .set(as(C))
        .send({ url: consumer.url, capacity: 10, types: ['x'] })
        .expect(201);
      consumer.id = res.body.id;
      consumer.secret = res.body.secret;
      const heartbeat = setInterval(
        () =>
          void request(broker.url)
            .post(`/consumers/${consumer.id}/heartbeat`)
            .set({ ...as(C), 'x-tq-consumer-secret': consumer.secret! })
            .catch(() => undefined),
        200,
      );
      try {
        const mine = await eventually(
          () =>
            consumer.received.filter((d) => d.task.id.startsWith('cap-a-')).length === 3 ? consumer.received : false,
          10_000,
          'the deliveries',
        );
        const acks = mine
          .filter((d) => d.task.id.startsWith('cap-a-'))
          .map((d) => ({ delivery_id: d.delivery_id, ok: true, result: null }));
        await request(broker.url)
          .post('/acks')
          .set({ ...as(C), ...consumer.credentials })
          .send({ acks })
          .expect(204);
        await eventually(
          async () =>
            (await request(broker.url).get('/tasks/cap-a-1').set(as(A))).body.status === TaskStatus.Complete || false,
          5_000,
          'stored',
        );
        for (let i = 6; i < 9; i++) await submit(A, `cap-a-${i}`).expect(201);
      } finally {
        clearInterval(heartbeat);
      }
    } finally {
      await consumer.stop();
    }
  });
});
