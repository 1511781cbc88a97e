import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, closeAndClean, testRedis } from '../../../test/helpers';
import { startBroker } from './delivery-harness';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
process.env.AUTH = 'on';
process.env.API_KEYS = `client-a:submit+read:${A};client-b:submit:${B}`;
process.env.DELIVERY_SIGNING_KEYS = 'g'.repeat(40);
// Two requests a second, a burst of four, per key.
process.env.SUBMIT_RATE_LIMIT = '2';

/** SUBMIT_RATE_LIMIT: per key, after authentication, 429 with Retry-After, nothing stored for a refused request. */
describe('submit rate limits', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;
  let broker: BootedApp;

  beforeAll(async () => {
    redis = testRedis();
    broker = await startBroker();
  });

  afterAll(() => closeAndClean(redis, broker));

  const submit = (secret: string, id: string) =>
    request(broker.url)
      .post('/tasks')
      .set('Authorization', `Bearer ${secret}`)
      .send({ id, task_name: 't', task_type: 'x', binding_key: 'default', payload: {} });

  it('refuses a key past its burst with 429 and Retry-After, leaving other keys and reads alone', async () => {
    for (let i = 0; i < 4; i++) await submit(A, `rl-a-${i}`).expect(201);
    const refused = await submit(A, 'rl-a-refused').expect(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.message).toEqual([
      'this key may submit 2 requests a second (SUBMIT_RATE_LIMIT); retry after 1 s',
    ]);
    expect(await redis.exists(keys.task('rl-a-refused'))).toBe(0);
    await submit(B, 'rl-b-0').expect(201);
    await request(broker.url).get('/tasks/rl-a-0').set('Authorization', `Bearer ${A}`).expect(200);
    // Refilled at two a second.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await submit(A, 'rl-a-later').expect(201);
  });
});
