import '../../../test/fast-timeouts';
import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { startBrokerAndConsumer, taskApi } from '../../broker/test/delivery-harness';
import { BootedApp, closeAndClean, eventually, testRedis } from '../../../test/helpers';

/**
 * The delivery contract nobody can forge: a made-up or replayed POST /deliveries, and acks that
 * name no current delivery, change nothing in Redis and run nothing, with a real broker and consumer.
 */
describe('forged and replayed deliveries', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;
  let broker: BootedApp;
  let consumer: BootedApp;
  let queue: string;

  beforeAll(async () => {
    redis = testRedis();
    ({ broker, consumer, queue } = await startBrokerAndConsumer());
  });

  afterAll(() => closeAndClean(redis, consumer, broker));

  const { submit, read, until } = taskApi(
    () => broker.url,
    () => queue,
  );
  const deliver = (deliveries: object[]) => request(consumer.url).post('/deliveries').send({ deliveries }).expect(202);
  /** Gives the consumer time to act on what it was sent, then checks it holds nothing. */
  const settle = async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { ConsumerPool } = await import('@app/consumer');
    await eventually(
      () => consumer.app.get(ConsumerPool).heldDeliveries().length === 0 || false,
      5_000,
      'the consumer to hold nothing',
    );
  };

  it('runs nothing and changes nothing for a forged delivery of a real task, whatever state it is in', async () => {
    const later = await submit(
      'echo',
      { real: true },
      { scheduled_time: new Date(Date.now() + 3_600_000).toISOString() },
    );
    const dead = await submit('fail', { message: 'no' }, { max_retries: 0 });
    await until(later, TaskStatus.Scheduled);
    await until(dead, TaskStatus.DeadLettered);
    const before = await Promise.all([later, dead].map((id) => redis.hgetall(keys.task(id))));

    await deliver(
      [later, dead].map((id) => ({
        delivery_id: `${queue}~1~${id}~ffffffffffffffffffffffff`,
        queue,
        task: { id, task_type: 'echo', payload: { forged: true } },
        due: true,
      })),
    );
    await settle();
    expect(await Promise.all([later, dead].map((id) => redis.hgetall(keys.task(id))))).toEqual(before);

    // Acks naming no current delivery are not believed either, even from a registered consumer.
    const { body: other } = await request(broker.url)
      .post('/consumers')
      .send({ url: 'http://127.0.0.1:1', capacity: 1, types: ['nothing'] })
      .expect(201);
    await request(broker.url)
      .post('/acks')
      .set({ 'x-tq-consumer-id': other.id, 'x-tq-consumer-secret': other.secret })
      .send({
        acks: [
          { delivery_id: `${queue}~1~${dead}~ffffffffffffffffffffffff`, ok: true },
          { delivery_id: `${queue}~1~${later}~ffffffffffffffffffffffff`, ok: false, error: 'x' },
        ],
      })
      .expect(204);
    expect(await Promise.all([later, dead].map((id) => redis.hgetall(keys.task(id))))).toEqual(before);
    expect(await redis.zscore(keys.queueDead(queue), dead)).not.toBeNull();
  });

  it('runs a replayed delivery of a task that already ran no second time', async () => {
    const id = await submit('echo', { once: true });
    const done = await until(id, TaskStatus.Complete);
    const before = await redis.hgetall(keys.task(id));
    const { id: _, ...taskBody } = done;
    await deliver([{ delivery_id: before.delivery_id, queue, task: { id, ...taskBody }, due: true }]);
    await settle();
    expect(await redis.hgetall(keys.task(id))).toEqual(before);
    expect((await read(id)).runs).toHaveLength(1);
  });
});
