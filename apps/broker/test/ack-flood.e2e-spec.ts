import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, closeAndClean, freePort, testRedis } from '../../../test/helpers';
import { StandInConsumer } from '../../../test/stand-in-consumer';
import { AppModule } from '../src/app.module';
import { DeliveryStore } from '../src/dispatcher/delivery-store';
import { QueueWakers } from '../src/dispatcher/queue-wakers';

/**
 * Acks and lease extensions naming queues nobody declared do no Redis work and leave nothing
 * behind: 10,000 of them once cost 60,000 Redis commands and a wake-up entry per name, for ever.
 */
describe('an ack flood of made-up queues', () => {
  let redis: Redis;
  let broker: BootedApp;
  const consumer = new StandInConsumer('record');

  beforeAll(async () => {
    redis = testRedis();
    broker = await bootApp(AppModule, 'broker', undefined, await freePort());
    await consumer.start();
    await consumer.register(broker.url, 10);
  });

  afterAll(async () => {
    await consumer.stop();
    await closeAndClean(redis, broker);
  });

  const ids = Array.from({ length: 10_000 }, (_, i) => `made-up-${i}~1~task-${i}~${'a'.repeat(24)}`);

  it('answers 204, calls no script, and wakes or remembers no queue', async () => {
    const store = broker.app.get(DeliveryStore);
    const ack = jest.spyOn(store, 'ack');
    const wakers = broker.app.get<QueueWakers, { woken: Set<string>; sleepers: Map<string, unknown> }>(QueueWakers);
    const remembered = wakers.woken.size + wakers.sleepers.size;
    await request(broker.url)
      .post('/acks')
      .set(consumer.credentials)
      .send({ acks: ids.map((delivery_id) => ({ delivery_id, ok: true })) })
      .expect(204);
    const leases = await request(broker.url)
      .post('/leases')
      .set(consumer.credentials)
      .send({ leases: ids.map((delivery_id) => ({ delivery_id })) })
      .expect(200);
    expect(leases.body).toMatchObject({ extended: 0, cancelled: [], stale: [] });
    expect(ack).not.toHaveBeenCalled();
    expect(wakers.woken.size + wakers.sleepers.size).toBe(remembered);
  });
});
