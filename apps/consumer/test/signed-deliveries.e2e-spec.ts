import '../../../test/fast-timeouts';
import { signDelivery, TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, closeAndClean, eventually, freePort, testRedis } from '../../../test/helpers';

const OPERATOR = 'o'.repeat(40);
const CONSUMER = 'c'.repeat(40);
const OLD_KEY = 'old-signing-key-'.padEnd(40, 'x');
const NEW_KEY = 'new-signing-key-'.padEnd(40, 'y');

/**
 * With keys on, the broker signs every push and the consumer runs only what carries a good
 * signature: missing, wrong and stale ones are 401 and run nothing. The consumer takes any of its
 * keys, so a rotation (consumer first, then the broker) loses no push.
 */
describe('signed deliveries', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;
  let broker: BootedApp;
  let consumer: BootedApp;
  const auth = { authorization: `Bearer ${OPERATOR}` };

  beforeAll(async () => {
    redis = testRedis();
    process.env.AUTH = 'on';
    process.env.API_KEYS = `operator:submit+read+admin:${OPERATOR};consumer:consumer:${CONSUMER}`;
    process.env.BROKER_API_KEY = CONSUMER;
    const port = await freePort();
    process.env.BROKER_URL = `http://127.0.0.1:${port}`;
    // The broker still signs with the old key; the consumer already takes the new one first.
    process.env.DELIVERY_SIGNING_KEYS = OLD_KEY;
    broker = await bootApp((await import('../../broker/src/app.module')).AppModule, 'broker', undefined, port);
    process.env.DELIVERY_SIGNING_KEYS = `${NEW_KEY},${OLD_KEY}`;
    consumer = await bootApp((await import('../src/app.module')).AppModule, 'consumer');
    await eventually(
      async () => (await request(broker.url).get('/queues/default').set(auth)).body.consumer ?? false,
      5_000,
      'a consumer to own default',
    );
  });

  afterAll(() => closeAndClean(redis, consumer, broker));

  const read = async (id: string) => (await request(broker.url).get(`/tasks/${id}`).set(auth).expect(200)).body;

  it('runs a task pushed under a key the consumer takes (the old one, mid-rotation)', async () => {
    const { body } = await request(broker.url)
      .post('/tasks')
      .set(auth)
      .send({ task_name: 'hi', task_type: 'echo', payload: { to: 'ada' } })
      .expect(201);
    const task = await eventually(
      async () => ((await read(body.id)).status === TaskStatus.Complete ? read(body.id) : false),
      10_000,
      'the task complete',
    );
    expect(task.result).toEqual({ echoed_keys: ['to'] });
  });

  it('refuses a push without a signature, with a wrong one, over other bytes or stale, and runs nothing', async () => {
    const { body } = await request(broker.url)
      .post('/tasks')
      .set(auth)
      .send({
        task_name: 'later',
        task_type: 'echo',
        payload: {},
        scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
      })
      .expect(201);
    await eventually(async () => (await read(body.id)).status === TaskStatus.Scheduled || false, 10_000, 'stored');
    const before = await redis.hgetall(keys.task(body.id));
    const push = JSON.stringify({
      deliveries: [
        {
          delivery_id: `default~1~${body.id}~${'f'.repeat(24)}`,
          queue: 'default',
          task: { id: body.id, task_type: 'echo' },
          due: true,
        },
      ],
    });
    const post = (headers: Record<string, string>, bytes = push) =>
      request(consumer.url)
        .post('/deliveries')
        .set({ 'content-type': 'application/json', ...headers })
        .send(bytes);
    const now = String(Date.now());
    const stale = String(Date.now() - 6 * 60_000);
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['no signature', {}],
      [
        'a key it does not take',
        { 'x-tq-timestamp': now, 'x-tq-signature': signDelivery('z'.repeat(40), now, Buffer.from(push)) },
      ],
      [
        'other bytes',
        { 'x-tq-timestamp': now, 'x-tq-signature': signDelivery(NEW_KEY, now, Buffer.from(push)) },
        push.replace('"due":true', '"due":true '),
      ],
      ['stale', { 'x-tq-timestamp': stale, 'x-tq-signature': signDelivery(NEW_KEY, stale, Buffer.from(push)) }],
      ['a bearer key instead', { authorization: `Bearer ${OPERATOR}` }],
    ];
    for (const [what, headers, bytes] of cases) {
      const res = await post(headers, bytes);
      expect([what, res.status]).toEqual([what, 401]);
    }
    // Other spellings of the route are the same route, under the same check.
    for (const path of ['/deliveries/', '/Deliveries', '/deliveries/?x=1']) {
      const res = await request(consumer.url).post(path).set('content-type', 'application/json').send(push);
      expect([path, res.status]).toEqual([path, 401]);
    }
    // A good signature gets through to the delivery checks (the forged token still runs nothing).
    const good = await post({ 'x-tq-timestamp': now, 'x-tq-signature': signDelivery(NEW_KEY, now, Buffer.from(push)) });
    expect(good.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await redis.hgetall(keys.task(body.id))).toEqual(before);
  });
});
