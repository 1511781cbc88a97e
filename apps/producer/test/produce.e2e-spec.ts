import request from 'supertest';
import { scrapeMetrics } from '../../../test/app-basics';
import { BootedApp, bootApp, deleteKeys, eventually, testRedis } from '../../../test/helpers';
import { StandInBroker } from './stand-in-broker';

describe('POST /produce against a stand-in broker', () => {
  const broker = new StandInBroker();
  let booted: BootedApp;

  beforeAll(async () => {
    await broker.start();
    // The app validates its environment when AppModule is imported, so set it first.
    process.env.BROKER_URL = broker.url;
    process.env.PRODUCER_NAME = 'producer-e2e';
    process.env.ADVERTISED_URL = 'http://producer-e2e:8080';
    process.env.BACKOFF_BASE_MS = '10';
    process.env.BROKER_TIMEOUT_MS = '2000';
    const { AppModule } = await import('../src/app.module');
    booted = await bootApp(AppModule, 'producer');
  });

  afterEach(() => broker.reset());

  afterAll(async () => {
    await booted.app.close();
    await broker.stop();
    const redis = testRedis();
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  const produce = (body: object) => request(booted.url).post('/produce').send(body);

  it('registers with the broker at start', async () => {
    const registered = await eventually(() => broker.producers.length > 0 && broker.producers, 5000, 'registration');
    expect(registered).toEqual([{ id: 'p1', name: 'producer-e2e', url: 'http://producer-e2e:8080' }]);
  });

  it('submits n single tasks, all accepted, over a few kept-alive connections', async () => {
    const res = await produce({
      count: 200,
      concurrency: 8,
      task_name: 'welcome',
      task_type: 'email',
      payload: { k: 1 },
    }).expect(200);
    expect(res.body).toMatchObject({
      sent: 200,
      accepted: 200,
      rejected: 0,
      failed: 0,
      accepted_ids: 200,
      requests: 200,
    });
    expect(res.body.ms).toBeGreaterThan(0);
    expect(broker.tasks.size).toBe(200);
    expect(broker.bulkRequests).toBe(0);
    expect(broker.sockets.size).toBeLessThanOrEqual(8);
    expect([...broker.tasks.values()][0]).toEqual({
      id: expect.any(String),
      task_name: 'welcome',
      task_type: 'email',
      payload: { k: 1 },
    });
  });

  it('submits in bulk batches, all accepted', async () => {
    const res = await produce({ count: 2500, concurrency: 2, batch: 1000, task_name: 'n', task_type: 'email' }).expect(
      200,
    );
    expect(res.body).toMatchObject({ sent: 2500, accepted: 2500, failed: 0, accepted_ids: 2500, requests: 3 });
    expect(broker.bulkRequests).toBe(3);
    expect(broker.tasks.size).toBe(2500);
  });

  it('spreads types, priorities and scheduled times over the tasks', async () => {
    await produce({
      count: 6,
      batch: 6,
      task_name: 'n',
      task_types: ['a', 'b'],
      priority_range: [0, 2],
      scheduled_time: '2030-01-01T00:00:00.000Z',
      schedule_spread_seconds: 60,
    }).expect(200);
    const tasks = [...broker.tasks.values()];
    expect(tasks.map((t) => t.task_type)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(tasks.map((t) => t.priority)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(tasks[3].scheduled_time).toBe('2030-01-01T00:00:30.000Z');
  });

  it('waits out a 503 with Retry-After and loses or duplicates nothing', async () => {
    broker.busyFor = 3;
    const started = Date.now();
    const res = await produce({ count: 20, concurrency: 4, task_name: 'n', task_type: 'email' }).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(res.body).toMatchObject({ sent: 20, accepted: 20, failed: 0, retried_after_503: 3, requests: 23 });
    expect(broker.tasks.size).toBe(20);
    expect(broker.resubmissions).toBe(0);
  });

  it('retries a lost answer with the same id, so the task is stored once', async () => {
    broker.dropFor = 1;
    const res = await produce({ count: 10, concurrency: 2, task_name: 'n', task_type: 'email' }).expect(200);
    expect(res.body).toMatchObject({ sent: 10, accepted: 10, failed: 0, retried_after_error: 1, requests: 11 });
    expect(broker.tasks.size).toBe(10);
    expect(broker.resubmissions).toBe(1);
  });

  it('retries a lost bulk answer with the same ids', async () => {
    broker.dropFor = 1;
    const res = await produce({ count: 300, batch: 100, concurrency: 3, task_name: 'n', task_type: 'email' }).expect(
      200,
    );
    expect(res.body).toMatchObject({ accepted: 300, retried_after_error: 100, accepted_ids: 300 });
    expect(broker.tasks.size).toBe(300);
    expect(broker.resubmissions).toBe(100);
  });

  it('counts a 400 from the broker as rejected, with its reason', async () => {
    broker.refusedTypes.add('nope');
    const res = await produce({ count: 4, task_name: 'n', task_types: ['email', 'nope'] }).expect(200);
    expect(res.body).toMatchObject({ sent: 4, accepted: 2, rejected: 2, failed: 0, retried_after_error: 0 });
    expect(res.body.rejected_reasons).toEqual({ '400: task_type "nope" is not accepted here': 2 });
  });

  it('counts every task of a refused bulk batch as rejected', async () => {
    broker.refusedTypes.add('nope');
    const res = await produce({ count: 4, batch: 4, task_name: 'n', task_types: ['email', 'nope'] }).expect(200);
    expect(res.body).toMatchObject({ accepted: 0, rejected: 4 });
    expect(res.body.rejected_reasons).toEqual({ '400: [1].task_type "nope" is not accepted here': 4 });
    expect(broker.tasks.size).toBe(0);
  });

  it('counts what it produced, and times its calls to the broker, in /metrics', async () => {
    broker.busyFor = 1;
    broker.refusedTypes.add('nope');
    const before = await scrapeMetrics(booted.url);
    await produce({ count: 4, concurrency: 1, task_name: 'n', task_types: ['email', 'nope'] }).expect(200);
    const after = await scrapeMetrics(booted.url);
    const moved = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);

    expect(moved('tq_producer_produced_total')).toBe(4);
    expect(moved('tq_producer_accepted_total')).toBe(2);
    expect(moved('tq_producer_rejected_total')).toBe(2);
    expect(moved('tq_producer_failed_total')).toBe(0);
    expect(moved('tq_producer_retried_total{reason="busy"}')).toBe(1);
    const calls = (code: number) => moved(`tq_producer_request_duration_seconds_count{route="/tasks",code="${code}"}`);
    expect([calls(503), calls(201), calls(400)]).toEqual([1, 2, 2]);
    expect(moved('tq_producer_request_duration_seconds_sum{route="/tasks",code="201"}')).toBeGreaterThan(0);
  });

  it('answers 400 naming each bad option', async () => {
    const res = await produce({
      count: 0,
      concurrency: 1000,
      batch: 'ten',
      task_name: 'n',
      task_type: 'Bad Type',
      priority_range: [5, 1],
      colour: 'red',
    }).expect(400);
    const message: string[] = res.body.message;
    for (const field of ['count', 'concurrency', 'batch', 'task_type', 'priority_range', 'colour']) {
      expect(message.some((line) => line.includes(field))).toBe(true);
    }
    expect(broker.taskRequests).toBe(0);
  });

  it('requires a task type unless task_types is given', async () => {
    const res = await produce({ count: 1, task_name: 'n' }).expect(400);
    expect(res.body.message.join()).toContain('task_type');
  });

  it('bounds a run: at most 100,000 tasks, one run at a time, stopped when its caller hangs up', async () => {
    const tooMany = await produce({ count: 100_001, task_name: 'n', task_type: 'email' }).expect(400);
    expect(tooMany.body.message).toEqual(['count must not be greater than 100000']);

    // A long run, one task per request, whose caller goes away after a moment.
    const caller = new AbortController();
    const long = fetch(`${booted.url}/produce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 100_000, concurrency: 1, task_name: 'n', task_type: 'email' }),
      signal: caller.signal,
    }).catch((error: Error) => error);
    await eventually(() => broker.tasks.size > 0 || false, 5_000, 'the run to start');
    const second = await produce({ count: 1, task_name: 'n', task_type: 'email' }).expect(409);
    expect(second.body.message).toEqual(['a run is in progress on this producer; wait for its summary']);
    caller.abort();
    expect(await long).toMatchObject({ name: 'AbortError' });
    // The run stops: the broker sees no more tasks, far short of 100,000, and the next run may start.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stoppedAt = broker.tasks.size;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(broker.tasks.size).toBe(stoppedAt);
    expect(stoppedAt).toBeLessThan(100_000);
    await eventually(
      async () => (await produce({ count: 1, task_name: 'n', task_type: 'email' })).status === 200 || false,
      5_000,
      'the next run',
    );
  });

  it('documents POST /produce in Swagger', async () => {
    const spec = await request(booted.url).get('/docs-json').expect(200);
    expect(spec.body.paths['/produce'].post).toBeDefined();
  });
});
