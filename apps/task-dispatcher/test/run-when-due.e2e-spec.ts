import '../../../test/fast-timeouts';
import { ManualClock, TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { startBrokerAndConsumer } from '../../broker/test/delivery-harness';
import { BootedApp, closeAndClean, bootApp, eventually, testRedis } from '../../../test/helpers';
import { AppModule } from '../src/app.module';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { bootDispatcher } from './dispatcher-test-kit';

const HOUR_MS = 3_600_000;

/**
 * Handlers run when their task is due, through the real broker, consumer and task-dispatcher. The
 * broker and consumer keep real time; the task-dispatcher's clock is moved by hand, so "due" is
 * whatever the test says, and a handler that runs before its pass would show.
 */
describe('tasks run when due', () => {
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

  const submit = async (task_type: string, payload: object, extra: object = {}) =>
    (
      await request(broker.url)
        .post('/tasks')
        .send({ task_name: task_type, task_type, binding_key: queue, payload, ...extra })
        .expect(201)
    ).body.id as string;
  const read = async (id: string) => (await request(broker.url).get(`/tasks/${id}`).expect(200)).body;
  const until = (id: string, what: string, check: (task: Record<string, unknown>) => boolean) =>
    eventually(
      async () => {
        const task = await read(id);
        return check(task) ? task : false;
      },
      10_000,
      `task ${id}: ${what}`,
    );
  const passAt = (ms: number) => {
    clock.set(ms);
    return dispatcher.app.get(SchedulerService).runPass();
  };

  it('stores a task due later without running it, and runs it once its pass finds it due', async () => {
    const due = Date.now() + HOUR_MS;
    const id = await submit('echo', { to: 'ada' }, { scheduled_time: new Date(due).toISOString() });
    await until(id, 'stored awaiting its run', (task) => task.status === TaskStatus.Scheduled);

    expect(await passAt(due - 1)).toMatchObject({ released: 0 });
    const early = await read(id);
    expect(early.result ?? early.runs ?? early.run_count).toBeUndefined();

    expect(await passAt(due)).toMatchObject({ released: 1, completed: 0 });
    const done = await until(id, 'complete', (task) => task.status === TaskStatus.Complete);
    expect(done).toMatchObject({
      result: { echoed_keys: ['to'] },
      run_count: 1,
      runs: [{ attempt: 1, outcome: 'ok' }],
    });
    expect(await redis.zscore(keys.scheduledIndex, id)).toBeNull();
    // Released once: a second pass at the same time finds nothing left to start.
    expect(await passAt(due)).toMatchObject({ released: 0 });
  });

  it('runs a periodic task once per occurrence, and its retries count per occurrence', async () => {
    const first = Date.now() + HOUR_MS;
    const id = await submit(
      'fail',
      { times: 1 },
      { scheduled_time: new Date(first).toISOString(), periodicity: 'hourly', max_retries: 1 },
    );
    await until(id, 'stored', (task) => task.status === TaskStatus.Scheduled);

    const occurrences = 3;
    for (let n = 1; n <= occurrences; n++) {
      const at = first + (n - 1) * HOUR_MS;
      expect(await passAt(at + 5)).toMatchObject({ released: 1 });
      // Each occurrence starts again at attempt 1: the first attempt fails, the retry succeeds.
      const task = await until(
        id,
        `occurrence ${n} done`,
        (t) => t.run_count === n && t.status === TaskStatus.Scheduled,
      );
      expect(Date.parse(task.scheduled_time)).toBe(at + HOUR_MS);
      expect(task.result).toEqual({ failed_attempts: 1 });
      expect(task.last_error).toBeUndefined();
    }
    const { runs } = await read(id);
    expect(runs.map((run: { attempt: number; outcome: string }) => `${run.attempt}:${run.outcome}`)).toEqual(
      Array.from({ length: occurrences }, () => ['1:failed', '2:ok']).flat(),
    );
  });

  it('records an occurrence that spends its retries as failed, and the series goes on', async () => {
    const first = Date.now() + HOUR_MS;
    const id = await submit(
      'fail',
      { message: 'printer on fire' },
      { scheduled_time: new Date(first).toISOString(), periodicity: 'hourly', max_retries: 0 },
    );
    await until(id, 'stored', (task) => task.status === TaskStatus.Scheduled);

    expect(await passAt(first)).toMatchObject({ released: 1 });
    const task = await until(id, 'moved to its next occurrence', (t) => t.run_count === 1);
    expect(task).toMatchObject({
      status: TaskStatus.Scheduled,
      attempts: 0,
      last_error: 'fail handler failed: printer on fire',
    });
    expect(Date.parse(task.scheduled_time)).toBe(first + HOUR_MS);
    expect(task.runs).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'failed', error: 'fail handler failed: printer on fire' }),
    ]);
    expect(await redis.zscore(keys.queueDead(queue), id)).toBeNull();
    expect(await redis.zscore(keys.scheduledIndex, id)).toBe(String(first + HOUR_MS));
    // Kept like any stored task: until past its next occurrence by the retention period, not for ever.
    const ttl = await redis.pttl(keys.task(id));
    expect(ttl).toBeGreaterThan(first + HOUR_MS - Date.now());
    expect(ttl).toBeLessThan(first + HOUR_MS - Date.now() + 32 * 86_400_000);
  });

  it('gives a periodic task without scheduled_time its first occurrence after now, not now', async () => {
    const before = Date.now();
    const id = await submit('echo', {}, { periodicity: '*/5 * * * *' });
    const task = await until(id, 'stored', (t) => t.status === TaskStatus.Scheduled);
    const first = Date.parse(task.scheduled_time);
    expect(first).toBeGreaterThan(before);
    expect(first % (5 * 60_000)).toBe(0);
    expect(task.runs).toBeUndefined();
  });
});

/** The same apps with a task-dispatcher on real time: its wake-ups, not a test, start the task. */
describe('scheduler wake-ups', () => {
  let broker: BootedApp;
  let consumer: BootedApp;
  let dispatcher: BootedApp;
  let redis: Redis;
  let queue: string;

  beforeAll(async () => {
    redis = testRedis();
    ({ broker, consumer, queue } = await startBrokerAndConsumer());
    dispatcher = await bootApp(AppModule, 'task-dispatcher');
  });

  afterAll(() => closeAndClean(redis, dispatcher, consumer, broker));

  it('starts a task soon after its time with no pass asked for, and never before it', async () => {
    const due = Date.now() + 1_500;
    const { body } = await request(broker.url)
      .post('/tasks')
      .send({ task_name: 'soon', task_type: 'echo', binding_key: queue, scheduled_time: new Date(due).toISOString() })
      .expect(201);
    // Nothing here asks for a pass, and the cron runs once a minute: a wake-up starts it.
    const task = await eventually(
      async () => {
        const read = (await request(broker.url).get(`/tasks/${body.id}`).expect(200)).body;
        return read.status === TaskStatus.Complete ? read : false;
      },
      10_000,
      'the task to run',
    );
    expect(Date.parse(task.runs[0].started_time)).toBeGreaterThanOrEqual(due);
  });
});
