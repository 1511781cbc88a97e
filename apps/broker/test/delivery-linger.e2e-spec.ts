import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, deleteKeys, eventually, testRedis } from '../../../test/helpers';
import { StandInConsumer } from '../../../test/stand-in-consumer';
import { declareQueueOwnedBy, tasksFor } from './delivery-harness';

/** Long enough that the five POSTs below always fall inside one linger, even on a loaded machine. */
const LINGER_MS = 1_000;

describe('delivery linger: batches of one queue are DELIVERY_LINGER_MS apart', () => {
  let redis: Redis;
  let broker: BootedApp;

  beforeAll(async () => {
    redis = testRedis();
    process.env.DELIVERY_LINGER_MS = String(LINGER_MS);
    // Imported after the setting: the broker reads its environment when its module loads.
    const { AppModule } = await import('../src/app.module');
    broker = await bootApp(AppModule, 'broker');
  });

  afterAll(async () => {
    await broker?.app.close();
    delete process.env.DELIVERY_LINGER_MS;
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  it('sends the first task after a quiet spell alone, and those arriving within the linger in one batch', async () => {
    const consumer = await new StandInConsumer('record').start();
    try {
      await consumer.register(broker.url);
      const queue = await declareQueueOwnedBy(broker.url, consumer.id!);
      const [first, ...rest] = tasksFor(queue, 6);
      const batchesOf = () =>
        consumer.batches.filter((batch) => batch[0]?.queue === queue).map((batch) => batch.map((d) => d.task.id));

      const firstId = (await request(broker.url).post('/tasks').send(first).expect(201)).body.id;
      // Out before the others are even sent: it did not wait for company.
      await eventually(() => batchesOf().length === 1, 10_000, 'the first task to be delivered on its own');

      const restIds: string[] = [];
      for (const task of rest) restIds.push((await request(broker.url).post('/tasks').send(task).expect(201)).body.id);
      await eventually(() => batchesOf().flat().length === 6, LINGER_MS * 5, 'all six tasks to be delivered');

      expect(batchesOf()).toEqual([[firstId], restIds]);
      expect(await redis.zcard(new RedisKeys(process.env.REDIS_PREFIX!).queueInflight(queue))).toBe(6);
    } finally {
      await consumer.stop();
    }
  });
});
