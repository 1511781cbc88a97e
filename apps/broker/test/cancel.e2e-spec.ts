import '../../../test/fast-timeouts';
import { ManualClock, TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { SchedulerService } from '../../task-dispatcher/src/scheduler/scheduler.service';
import { bootDispatcher } from '../../task-dispatcher/test/dispatcher-test-kit';
import { BootedApp, closeAndClean, eventually, testRedis } from '../../../test/helpers';
import { declareQueue, queueCounts, startBrokerAndConsumer, startConsumer, taskApi } from './delivery-harness';

const HOUR_MS = 3_600_000;

/** DELETE /tasks/:id through a real broker, consumer and task-dispatcher (on a clock of its own). */
describe('cancelling tasks', () => {
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  const clock = new ManualClock(Date.now());
  let redis: Redis;
  let broker: BootedApp;
  let consumer: BootedApp;
  let dispatcher: BootedApp;
  let queue: string;

  beforeAll(async () => {
    redis = testRedis();
    ({ broker, consumer, queue } = await startBrokerAndConsumer());
    dispatcher = await bootDispatcher(clock);
  });

  afterAll(() => closeAndClean(redis, dispatcher, consumer, broker));

  const { submit, read, until } = taskApi(
    () => broker.url,
    () => queue,
  );
  const cancel = (id: string) => request(broker.url).delete(`/tasks/${id}`);

  it('aborts a running handler: its run ends cancelled and it is not retried', async () => {
    const id = await submit('sleep', { ms: 5_000 });
    await until(id, TaskStatus.Running);
    await cancel(id).expect(200);
    // The consumer hears of it at its next lease extension (a third of the 1.5 s lease here).
    await eventually(
      async () => consumer.app.get((await import('@app/consumer')).ConsumerPool).heldDeliveries().length === 0 || false,
      5_000,
      'the consumer to drop it',
    );
    const task = await read(id);
    expect(task).toMatchObject({ status: TaskStatus.Cancelled, attempts: 1 });
    expect(task.runs).toEqual([expect.objectContaining({ attempt: 1, outcome: 'cancelled' })]);
    expect(task.result).toBeUndefined();
    expect(await queueCounts(redis, keys, queue)).toEqual({ pending: 0, inFlight: 0, delayed: 0, dead: 0 });
  });

  it('cancels a scheduled task and a periodic one for good: no pass releases them', async () => {
    const due = Date.now() + HOUR_MS;
    const later = await submit('echo', {}, { scheduled_time: new Date(due).toISOString() });
    const hourly = await submit('echo', {}, { scheduled_time: new Date(due).toISOString(), periodicity: 'hourly' });
    await until(later, TaskStatus.Scheduled);
    await until(hourly, TaskStatus.Scheduled);
    await cancel(later).expect(200);
    await cancel(hourly).expect(200);
    expect(await redis.zscore(keys.scheduledIndex, later)).toBeNull();
    clock.set(due + 10 * HOUR_MS);
    expect(await dispatcher.app.get(SchedulerService).runPass()).toMatchObject({ triggered: 0 });
    for (const id of [later, hourly]) expect(await read(id)).toMatchObject({ status: TaskStatus.Cancelled });
    expect((await read(hourly)).runs).toBeUndefined();
  });

  it('cancels a dead-lettered task: it leaves the dead letters and replay skips it', async () => {
    const own = await declareQueue(broker.url);
    const id = await submit('fail', { message: 'no' }, { max_retries: 0 }, own);
    await until(id, TaskStatus.DeadLettered);
    await cancel(id).expect(200);
    expect(await redis.zcard(keys.queueDead(own))).toBe(0);
    expect((await request(broker.url).post(`/queues/${own}/dead-letters/replay`).expect(201)).body).toEqual({
      replayed: 0,
    });
  });

  it('cancels a queued task: it leaves its queue and is never delivered, even once a consumer is back', async () => {
    // With no live consumer the task stays queued.
    await consumer.app.close();
    const id = await submit('echo', { a: 1 });
    expect((await read(id)).status).toBe(TaskStatus.Queued);
    const { body } = await cancel(id).expect(200);
    expect(body).toMatchObject({ id, status: TaskStatus.Cancelled });
    expect(await queueCounts(redis, keys, queue)).toEqual({ pending: 0, inFlight: 0, delayed: 0, dead: 0 });
    // Kept for the retention period, then gone.
    expect(await redis.pttl(keys.task(id))).toBeGreaterThan(0);
    // Again: the same answer, nothing changed.
    expect((await cancel(id).expect(200)).body.status).toBe(TaskStatus.Cancelled);

    consumer = await startConsumer();
    const after = await submit('echo', { b: 1 });
    await until(after, TaskStatus.Complete);
    expect(await read(id)).toMatchObject({ status: TaskStatus.Cancelled, attempts: 0 });
  });

  it('answers 409 for a complete task and 404 for an unknown one', async () => {
    const id = await submit('echo', { a: 1 });
    await until(id, TaskStatus.Complete);
    const refused = await cancel(id).expect(409);
    expect(refused.body.message).toEqual([expect.stringMatching(/complete/)]);
    expect((await read(id)).status).toBe(TaskStatus.Complete);
    await cancel('no-such-task').expect(404);
  });
});
