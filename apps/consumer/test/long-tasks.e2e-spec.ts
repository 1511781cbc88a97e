import '../../../test/fast-timeouts';
import { TaskStatus } from '@app/common';
import type Redis from 'ioredis';
import request from 'supertest';
import { startBrokerAndConsumer, startConsumer } from '../../broker/test/delivery-harness';
import { BootedApp, closeAndClean, eventually, testRedis } from '../../../test/helpers';

// Read when the consumer's module loads: a short grace, so a shutdown mid-handler aborts it.
process.env.SHUTDOWN_GRACE_MS = '300';

/** Leases (ACK_TIMEOUT_MS is 1.5 s here) and shutdown, through a real broker and consumers. */
describe('long tasks', () => {
  let redis: Redis;
  let broker: BootedApp;
  let consumer: BootedApp;
  let queue: string;

  beforeAll(async () => {
    redis = testRedis();
    ({ broker, consumer, queue } = await startBrokerAndConsumer());
  });

  afterAll(() => closeAndClean(redis, consumer, broker));

  const submit = async (payload: object) =>
    (
      await request(broker.url)
        .post('/tasks')
        .send({ task_name: 'nap', task_type: 'sleep', binding_key: queue, payload })
        .expect(201)
    ).body.id as string;
  const read = async (id: string) => (await request(broker.url).get(`/tasks/${id}`).expect(200)).body;

  it('runs a task longer than the lease once: its consumer keeps the lease alive', async () => {
    const id = await submit({ ms: 4_000 });
    const task = await eventually(
      async () => ((await read(id)).status === TaskStatus.Complete ? read(id) : false),
      15_000,
      'the long task to complete',
    );
    expect(task).toMatchObject({ attempts: 1, run_count: 1, result: { slept_ms: 4_000 } });
    expect(task.runs).toHaveLength(1);
  });

  it('reports a run cut short by shutdown as lost, and runs it elsewhere without counting the attempt', async () => {
    const id = await submit({ ms: 3_000 });
    await eventually(async () => (await read(id)).status === TaskStatus.Running || false, 5_000, 'the task to run');
    const first = (await read(id)).runs;
    expect(first).toBeUndefined();
    const standby = await startConsumer();
    try {
      await consumer.app.close();
      const task = await eventually(
        async () => ((await read(id)).status === TaskStatus.Complete ? read(id) : false),
        15_000,
        'the task to complete elsewhere',
      );
      expect(task.attempts).toBe(1);
      expect(task.runs.map((run: { outcome: string }) => run.outcome)).toEqual(['lost', 'ok']);
      expect(task.runs[0].error).toMatch(/shut down before the sleep handler finished/);
      expect(task.runs[0].consumer).not.toBe(task.runs[1].consumer);
    } finally {
      consumer = standby;
    }
  });
});
