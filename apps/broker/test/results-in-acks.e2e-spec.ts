import '../../../test/fast-timeouts';
import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, eventually, freePort, testRedis, closeAndClean } from '../../../test/helpers';
import { RecordedDelivery, StandInConsumer } from '../../../test/stand-in-consumer';
import { AppModule } from '../src/app.module';
import { declareQueueOwnedBy, taskApi } from './delivery-harness';

/**
 * A consumer without Redis access (another language) stores nothing: it acks, with the handler's
 * result when it ran one, and the broker stores the task under the same checks as the stock
 * consumer's own store.
 */
describe('results in acks, for consumers that store nothing', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let redis: Redis;
  let broker: BootedApp;
  let queue: string;
  /** Runs `remote`, stores any other type (`*`); stores nothing in Redis itself. */
  const remote = new StandInConsumer('record');
  const api = taskApi(
    () => broker.url,
    () => queue,
  );

  beforeAll(async () => {
    redis = testRedis();
    const port = await freePort();
    broker = await bootApp(AppModule, 'broker', undefined, port);
    await remote.start();
    await remote.register(broker.url, 1000, ['remote', '*']);
    queue = await declareQueueOwnedBy(broker.url, remote.id!);
  });

  afterAll(async () => {
    await remote.stop();
    await closeAndClean(redis, broker);
  });

  const deliveryOf = (id: string) =>
    eventually<RecordedDelivery>(
      () => [...remote.received].reverse().find((d) => d.task.id === id) ?? false,
      5_000,
      `a delivery of ${id}`,
    );
  const ack = (acks: object[], headers = remote.credentials) =>
    request(broker.url).post('/acks').set(headers).send({ acks });

  it('stores a task with the result its ack carries, and records the run', async () => {
    const id = await api.submit('remote', { to: 'a@example.com' });
    const delivery = await deliveryOf(id);
    expect(delivery.due).toBe(true);
    await ack([{ delivery_id: delivery.delivery_id, ok: true, result: { sent: true } }]).expect(204);
    const task = await api.until(id, TaskStatus.Complete);
    expect(task.result).toEqual({ sent: true });
    expect(task.runs).toEqual([expect.objectContaining({ attempt: 1, consumer: remote.id, outcome: 'ok' })]);
    // Out of its queue: nothing pending or in flight.
    expect(await redis.zcard(keys.queueInflight(queue))).toBe(0);
  });

  it('keeps a not-yet-due task of a handled type awaiting its run, and a store-only type as stored', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const later = await api.submit('remote', {}, { scheduled_time: tomorrow });
    const storeOnly = await api.submit('anything', {}, { scheduled_time: tomorrow });
    const [laterDelivery, storeOnlyDelivery] = [await deliveryOf(later), await deliveryOf(storeOnly)];
    expect(laterDelivery.due).toBe(false);
    await ack([
      { delivery_id: laterDelivery.delivery_id, ok: true },
      { delivery_id: storeOnlyDelivery.delivery_id, ok: true },
    ]).expect(204);
    await api.until(later, TaskStatus.Scheduled);
    await api.until(storeOnly, TaskStatus.Scheduled);
    expect(await redis.hget(keys.task(later), 'awaits_run')).toBe('1');
    expect(await redis.hget(keys.task(storeOnly), 'awaits_run')).toBeNull();
    expect((await api.read(later)).runs ?? []).toEqual([]);
  });

  it('believes no ack but the current delivery: a guessed token or a stale one stores nothing', async () => {
    const id = await api.submit('remote');
    const delivery = await deliveryOf(id);
    const forged = delivery.delivery_id.replace(/~[0-9a-f]{24}$/, `~${'0'.repeat(24)}`);
    await ack([{ delivery_id: forged, ok: true, result: 'forged' }]).expect(204);
    const task = await api.read(id);
    expect(task.status).toBe(TaskStatus.Dispatched);
    expect(task.result).toBeUndefined();
    // The real ack still works afterwards.
    await ack([{ delivery_id: delivery.delivery_id, ok: true, result: null }]).expect(204);
    const done = await api.until(id, TaskStatus.Complete);
    expect(done.result).toBeUndefined();
    expect(done.runs).toHaveLength(1);
    // Replayed, with another result: nothing changes.
    await ack([{ delivery_id: delivery.delivery_id, ok: true, result: 'again' }]).expect(204);
    expect(await api.read(id)).toMatchObject({
      status: TaskStatus.Complete,
      runs: [expect.objectContaining({ outcome: 'ok' })],
    });
    expect((await api.read(id)).result).toBeUndefined();
  });

  it('refuses a result on a nack, naming the field; a result over 64 KiB fails only its own attempt', async () => {
    const id = await api.submit('remote', {}, { max_retries: 3 });
    const delivery = await deliveryOf(id);
    const nack = await ack([{ delivery_id: delivery.delivery_id, ok: false, result: 1 }]).expect(400);
    expect(JSON.stringify(nack.body.message)).toContain('acks[0].result is only for an ok ack');
    expect((await api.read(id)).status).toBe(TaskStatus.Dispatched);
    await ack([{ delivery_id: delivery.delivery_id, ok: true, result: 'x'.repeat(70_000) }]).expect(204);
    const failed = await eventually(
      async () => ((await api.read(id)).runs?.length ? api.read(id) : false),
      5_000,
      'the failed run',
    );
    expect(failed.runs[0]).toMatchObject({
      attempt: 1,
      outcome: 'failed',
      error: 'the result is over 65536 bytes of JSON',
    });
    expect(failed.result).toBeUndefined();
  });

  it('stores nothing for an ack from a consumer the delivery did not go to', async () => {
    const other = new StandInConsumer('record');
    await other.start();
    await other.register(broker.url, 1000, ['remote', '*']);
    try {
      const id = await api.submit('remote');
      const delivery = await deliveryOf(id);
      await ack([{ delivery_id: delivery.delivery_id, ok: true, result: 'stolen' }], other.credentials).expect(204);
      await ack([{ delivery_id: delivery.delivery_id, ok: true }], other.credentials).expect(204);
      const task = await api.read(id);
      expect(task.status).toBe(TaskStatus.Dispatched);
      expect(task.result).toBeUndefined();
    } finally {
      await other.stop();
    }
  });

  it('does not take a run reported before the task is due for its run: it stays awaiting its time', async () => {
    const later = await api.submit('remote', {}, { scheduled_time: new Date(Date.now() + 86_400_000).toISOString() });
    const delivery = await deliveryOf(later);
    expect(delivery.due).toBe(false);
    await ack([{ delivery_id: delivery.delivery_id, ok: true, result: 'early' }]).expect(204);
    const task = await api.until(later, TaskStatus.Scheduled);
    expect(task.result).toBeUndefined();
    expect(task.runs ?? []).toEqual([]);
    expect(await redis.hget(keys.task(later), 'awaits_run')).toBe('1');
  });
});
