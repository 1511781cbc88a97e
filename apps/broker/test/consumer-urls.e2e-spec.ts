import '../../../test/fast-timeouts';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, closeAndClean, eventually, freePort, testRedis } from '../../../test/helpers';
import { AppModule } from '../src/app.module';
import { declareQueue, taskApi } from './delivery-harness';

/**
 * Consumer URLs are operator business: the broker posts only to `<url>/deliveries` on an allowed host, and says little
 * about failures.
 */
describe('consumer URLs', () => {
  let redis: Redis;
  let broker: BootedApp;
  let queue: string;
  const api = taskApi(
    () => broker.url,
    () => queue,
  );

  beforeAll(async () => {
    redis = testRedis();
    broker = await bootApp(AppModule, 'broker', undefined, await freePort());
    queue = await declareQueue(broker.url);
  });

  afterAll(() => closeAndClean(redis, broker));

  it.each([
    ['http://user:pass@127.0.0.1:9090', 'url must not carry credentials (user:password@)'],
    ['http://127.0.0.1:4000/cleanup/run#', 'url must not have a fragment'],
    ['http://127.0.0.1:4000/cleanup/run?x=', 'url must not have a query'],
    ['http://10.1.2.3:9090', "url's host 10.1.2.3:9090 is not in CONSUMER_URL_ALLOW"],
    ['http://169.254.169.254', "url's host 169.254.169.254:80 is not in CONSUMER_URL_ALLOW"],
  ])('refuses to register %s, and registers nothing', async (url, problem) => {
    const res = await request(broker.url).post('/consumers').send({ url, capacity: 10 }).expect(400);
    expect(res.body.message).toEqual([problem]);
    expect((await request(broker.url).get('/consumers').expect(200)).body).toEqual({ items: [], next_cursor: null });
  });

  it("keeps internal addresses out of a task's last_error", async () => {
    const closedPort = await freePort();
    const { body } = await request(broker.url)
      .post('/consumers')
      .send({ url: `http://127.0.0.1:${closedPort}`, capacity: 10 })
      .expect(201);
    const heartbeat = setInterval(
      () =>
        void request(broker.url)
          .post(`/consumers/${body.id}/heartbeat`)
          .set('x-tq-consumer-secret', body.secret)
          .catch(() => undefined),
      200,
    );
    try {
      const id = await api.submit('anything');
      const task = await eventually(
        async () => ((await api.read(id)).last_error ? api.read(id) : false),
        10_000,
        'a failed delivery',
      );
      expect(task.last_error).toBe(`consumer ${body.id} unreachable (connection refused)`);
      expect(task.last_error).not.toContain('127.0.0.1');
    } finally {
      clearInterval(heartbeat);
    }
  });
});
