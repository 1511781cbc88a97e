import '../../../test/fast-timeouts';
import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import { startBrokerAndConsumer, taskApi } from '../../broker/test/delivery-harness';
import { BootedApp, closeAndClean, eventually, testRedis } from '../../../test/helpers';

/** The stock consumer's example handlers, through a real broker and consumer on a real Redis. */
describe('task handlers', () => {
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
  const storedTask = (id: string) => until(id, TaskStatus.Complete);

  it('stores what the handler returned, and GET /tasks/:id shows it', async () => {
    const task = await storedTask(await submit('echo', { to: 'ada', subject: 'hi' }));
    expect(task.result).toEqual({ echoed_keys: ['subject', 'to'] });
    expect(task).toMatchObject({ run_count: 1, runs: [{ attempt: 1, outcome: 'ok', error: null }] });
    const [run] = task.runs;
    expect(Date.parse(run.started_time)).toBeLessThanOrEqual(Date.parse(run.finished_time));
    expect(await redis.zscore(keys.completeIndex, task.id)).not.toBeNull();
  });

  it('stores a task due later without running it, awaiting its time', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const id = await submit('echo', { a: 1 }, { scheduled_time: later });
    const task = await eventually(
      async () => ((await read(id)).status === TaskStatus.Scheduled ? read(id) : false),
      10_000,
      'stored',
    );
    expect(task.result ?? task.runs ?? task.run_count).toBeUndefined();
    expect(await redis.hget(keys.task(id), 'awaits_run')).toBe('1');
    expect(await redis.zscore(keys.scheduledIndex, id)).toBe(String(Date.parse(later)));
  });

  it('retries a failing handler and stores the attempt that succeeds', async () => {
    const task = await storedTask(await submit('fail', { message: 'smtp down', times: 1 }));
    expect(task).toMatchObject({ attempts: 2, result: { failed_attempts: 1 } });
    expect(task.runs.map((run: { outcome: string; error: string }) => [run.outcome, run.error])).toEqual([
      ['failed', 'fail handler failed: smtp down'],
      ['ok', null],
    ]);
    // Cleared once it completes: the error belongs to a run that is over.
    expect(task.last_error).toBeUndefined();
  });

  it('dead-letters a handler that always fails, with its message', async () => {
    const id = await submit('fail', { message: 'always' }, { max_retries: 1 });
    const task = await eventually(
      async () => ((await read(id)).status === TaskStatus.DeadLettered ? read(id) : false),
      10_000,
      'dead-lettered',
    );
    expect(task).toMatchObject({ attempts: 2, last_error: 'fail handler failed: always' });
  });

  it('a slow handler does not hold up other types in the same consumer, and shows its progress', async () => {
    const slow = await submit('sleep', { ms: 1_200 });
    await eventually(
      async () => (await read(slow)).progress?.sleeping_ms === 1_200 || false,
      5_000,
      'the sleep to report progress',
    );
    const quick = await storedTask(await submit('echo', { a: 1 }));
    expect(quick.result).toEqual({ echoed_keys: ['a'] });
    expect((await read(slow)).status).toBe(TaskStatus.Running);
    const done = await storedTask(slow);
    expect(done.result).toEqual({ slept_ms: 1_200 });
    expect(done.progress).toBeUndefined();
  });

  it('a handler that refuses its payload fails the attempt with its message', async () => {
    const id = await submit('sleep', { ms: -1 }, { max_retries: 0 });
    const task = await eventually(
      async () => ((await read(id)).status === TaskStatus.DeadLettered ? read(id) : false),
      10_000,
      'dead-lettered',
    );
    expect(task.last_error).toMatch(/^sleep handler failed: payload.ms must be/);
    expect(await redis.zscore(keys.scheduledIndex, id)).toBeNull();
  });
});
