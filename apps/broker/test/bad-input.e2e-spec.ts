import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import request from 'supertest';
import { itServesTheBasics } from '../../../test/app-basics';
import { BootedApp, bootApp, deleteKeys, testRedis } from '../../../test/helpers';
import { AppModule } from '../src/app.module';

/** Every key the broker holds, except the queue set it declares at start. */
async function taskKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys = new RedisKeys(prefix);
  const declared = new Set([keys.queues, keys.bindings, keys.queuesVersion]);
  return (await redis.keys(keys.all)).filter((key) => !declared.has(key)).sort();
}

const valid = { task_name: 'send mail', task_type: 'email' };

describe('broker: bad input', () => {
  const prefix = process.env.REDIS_PREFIX!;
  let broker: BootedApp;
  let redis: Redis;

  beforeAll(async () => {
    redis = testRedis();
    broker = await bootApp(AppModule, 'broker');
  });

  afterAll(async () => {
    await broker.app.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  itServesTheBasics(
    () => broker.url,
    ['/tasks', '/tasks/bulk', '/tasks/{id}', '/queues', '/consumers', '/acks', '/leases', '/producers'],
    [
      'tq_accepted_total',
      'tq_dispatched_total',
      'tq_acked_total',
      'tq_retried_total',
      'tq_dead_lettered_total',
      'tq_cancelled_total',
      'tq_acks_ignored_total',
      'tq_leases_extended_total',
      'tq_leases_ignored_total',
      'tq_queue_depth',
      'tq_queue_in_flight',
      'tq_queue_dead_letters',
      'tq_accept_to_ack_seconds',
    ],
  );

  const rejected: Array<[string, object | string, number, RegExp]> = [
    ['a missing task_name', { task_type: 'email' }, 400, /task_name/],
    ['a missing task_type', { task_name: 'x' }, 400, /task_type/],
    ['a number for task_name', { ...valid, task_name: 42 }, 400, /task_name must be a string/],
    ['an empty task_name', { ...valid, task_name: '' }, 400, /task_name/],
    ['a 201-character task_name', { ...valid, task_name: 'x'.repeat(201) }, 400, /task_name/],
    ['an upper-case task_type', { ...valid, task_type: 'Email' }, 400, /task_type/],
    ['a string priority', { ...valid, priority: '5' }, 400, /priority/],
    ['priority 10', { ...valid, priority: 10 }, 400, /priority/],
    ['a negative priority', { ...valid, priority: -1 }, 400, /priority/],
    ['a fractional priority', { ...valid, priority: 1.5 }, 400, /priority/],
    ['an array payload', { ...valid, payload: [1, 2] }, 400, /payload/],
    ['a string payload', { ...valid, payload: 'x' }, 400, /payload/],
    ['a date that is not ISO-8601', { ...valid, scheduled_time: '22/11/2026' }, 400, /scheduled_time/],
    ['an impossible date', { ...valid, scheduled_time: '2026-02-30T10:00:00Z' }, 400, /scheduled_time/],
    [
      'an ISO-8601 week date, which JavaScript cannot read',
      { ...valid, scheduled_time: '2026-W47-1T10:00:00Z' },
      400,
      /scheduled_time must be a calendar date-time/,
    ],
    ['an unknown periodicity', { ...valid, periodicity: 'yearly' }, 400, /periodicity/],
    ['a six-field cron', { ...valid, periodicity: '0 0 * * * *' }, 400, /periodicity/],
    ['max_retries 26', { ...valid, max_retries: 26 }, 400, /max_retries/],
    ['a client-set status', { ...valid, status: TaskStatus.Complete }, 400, /property status should not exist/],
    ['a client-set task_update_time', { ...valid, task_update_time: '2026-01-01T00:00:00Z' }, 400, /task_update_time/],
    ['an id with a slash', { ...valid, id: 'a/b' }, 400, /id must be/],
    [
      'the id "." (clients collapse it: never readable back)',
      { ...valid, id: '.' },
      400,
      /id must be .*, and not \. or \.\./,
    ],
    ['the id ".."', { ...valid, id: '..' }, 400, /and not \. or \.\./],
    [
      'a scheduled_time without a time zone',
      { ...valid, scheduled_time: '2026-12-31T10:00' },
      400,
      /scheduled_time must end with Z or an offset such as \+02:00/,
    ],
    [
      'a scheduled_time in year 1',
      { ...valid, scheduled_time: '0001-01-01T00:00:00Z' },
      400,
      /^scheduled_time must be 1970-01-01T00:00:00Z or later$/,
    ],
    ['a string priority, said once', { ...valid, priority: 'high' }, 400, /^priority must be an integer number$/],
    ['a missing task_name, said once', { task_type: 'email' }, 400, /^task_name should not be null or undefined$/],
    ['an unknown binding key', { ...valid, binding_key: 'nobody-listens' }, 422, /binding_key "nobody-listens"/],
    ['a body over 64 KiB', { ...valid, payload: { blob: 'x'.repeat(70_000) } }, 413, /at most 65536 bytes/],
  ];

  it.each(rejected)(
    'rejects %s with the right status, naming the problem, storing nothing',
    async (_what, body, status, message) => {
      const before = await taskKeys(redis, prefix);
      const res = await request(broker.url).post('/tasks').send(body).expect(status);
      // One message: the one problem the body has, said once.
      expect(res.body).toEqual({
        statusCode: status,
        error: expect.any(String),
        message: [expect.stringMatching(message)],
      });
      expect(await taskKeys(redis, prefix)).toEqual(before);
    },
  );

  it('refuses a body of 400,000 keys before anything parses it, and stays responsive meanwhile', async () => {
    const keys = `{${Array.from({ length: 400_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
    const flood = request(broker.url).post('/tasks/bulk').set('content-type', 'application/json').send(`[${keys}]`);
    const health = request(broker.url).get('/health');
    const [refused, healthy] = await Promise.all([flood, health]);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toEqual(['[0] an object in the item has more than 10000 keys']);
    expect(healthy.status).toBe(200);
    expect(await taskKeys(redis, prefix)).toEqual([]);
  });

  it.each([
    ['/consumers', { url: 'http://127.0.0.1:1', capacity: 1, pad: 'x'.repeat(20_000) }, 16_384],
    ['/queues', { name: 'q', binding_keys: ['q'], pad: 'x'.repeat(20_000) }, 16_384],
    ['/tasks', { ...valid, payload: { pad: 'x'.repeat(70_000) } }, 65_536],
  ])('limits a body to %s by its route: a small route takes a few KiB', async (path, body, limit) => {
    const res = await request(broker.url).post(path).send(body).expect(413);
    expect(res.body.message).toEqual([`a request to ${path} may be at most ${limit} bytes`]);
  });

  it('caps the error list: 2,000 unknown fields are named 50 at most', async () => {
    const body: Record<string, unknown> = { ...valid };
    for (let i = 0; i < 2_000; i++) body[`u${i}`] = i;
    const res = await request(broker.url).post('/tasks').send(body).expect(400);
    expect(res.body.message).toHaveLength(50);
    expect(res.body.message[0]).toBe('property u0 should not exist');
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await request(broker.url)
      .post('/tasks')
      .set('content-type', 'application/json')
      .send('{"task_name": ')
      .expect(400);
    expect(JSON.stringify(res.body)).toMatch(/JSON|Unexpected/i);
  });

  it.each([
    ['a form-encoded body', 'application/x-www-form-urlencoded', 'task_name=x&task_type=email', 415, /must be JSON/],
    ['a text body', 'text/plain', JSON.stringify(valid), 415, /must be JSON/],
    [
      'invalid UTF-8',
      'application/json',
      Buffer.concat([Buffer.from('{"task_name":"a'), Buffer.from([0x80, 0xff]), Buffer.from('","task_type":"email"}')]),
      400,
      /UTF-8/,
    ],
    [
      'a payload nested 10,000 levels',
      'application/json',
      `{"task_name":"d","task_type":"email","payload":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      400,
      /nested deeper/,
    ],
    [
      'a __proto__ key in the payload',
      'application/json',
      '{"task_name":"p","task_type":"email","payload":{"__proto__":{"x":1}}}',
      400,
      /__proto__/,
    ],
    [
      'a top-level constructor key',
      'application/json',
      '{"task_name":"p","task_type":"email","constructor":{"prototype":{}}}',
      400,
      /constructor|prototype/,
    ],
  ])('rejects %s before it is parsed into a task', async (_what, type, raw, status, message) => {
    const before = await taskKeys(redis, prefix);
    // serialize as is: superagent would turn a Buffer into JSON of its bytes.
    const res = await request(broker.url)
      .post('/tasks')
      .set('content-type', type)
      .serialize((body: unknown) => body as string)
      .send(raw)
      .expect(status);
    expect(res.body.message).toEqual([expect.stringMatching(message)]);
    expect(await taskKeys(redis, prefix)).toEqual(before);
  });

  /** A payload `levels` objects deep: in a task, it is one level below the task's own object. */
  const deepPayload = (levels: number): string => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
  const rawTask = (payload: string) => `{"task_name":"deep","task_type":"email","payload":${payload}}`;
  const postRaw = (path: string, raw: string) =>
    request(broker.url).post(path).set('content-type', 'application/json').send(raw);

  it('holds a task to the same depth alone and in a bulk, naming the bulk item that is too deep', async () => {
    // MAX_JSON_DEPTH is 32: the task's object and a payload 31 deep.
    await postRaw('/tasks', rawTask(deepPayload(31))).expect(201);
    await postRaw('/tasks/bulk', `[${rawTask(deepPayload(31))}]`).expect(201);
    const alone = await postRaw('/tasks', rawTask(deepPayload(32))).expect(400);
    expect(alone.body.message).toEqual(['the body is nested deeper than 32 levels']);
    const before = await taskKeys(redis, prefix);
    const bulk = await postRaw('/tasks/bulk', `[${rawTask('{}')},${rawTask(deepPayload(32))}]`).expect(400);
    expect(bulk.body.message).toEqual(['[1] the item is nested deeper than 32 levels']);
    expect(await taskKeys(redis, prefix)).toEqual(before);
  });

  it('holds a bulk item to the cap of a task sent alone (MAX_TASK_BYTES), naming it', async () => {
    const before = await taskKeys(redis, prefix);
    const big = { ...valid, payload: { blob: 'x'.repeat(70_000) } };
    await request(broker.url).post('/tasks').send(big).expect(413);
    const res = await request(broker.url).post('/tasks/bulk').send([valid, big]).expect(400);
    expect(res.body.message).toEqual([expect.stringMatching(/^\[1\] the item is \d+ bytes, over the 65536 a single/)]);
    expect(await taskKeys(redis, prefix)).toEqual(before);
  });

  it.each([
    ['a __proto__ key', '{"__proto__":{"x":1}}', '[1] the key "__proto__" is not allowed in a body'],
    ['an unpaired surrogate', '{"text":"\\ud800"}', '[1] the item holds a string with an unpaired UTF-16 surrogate'],
  ])('names the bulk item with %s', async (_what, payload, message) => {
    const before = await taskKeys(redis, prefix);
    const res = await postRaw('/tasks/bulk', `[${rawTask('{}')},${rawTask(payload)}]`).expect(400);
    expect(res.body.message).toEqual([expect.stringContaining(message)]);
    expect(await taskKeys(redis, prefix)).toEqual(before);
  });

  it.each([
    ['an unknown route', () => request(broker.url).get('/nowhere'), 404],
    ['an unknown task', () => request(broker.url).get('/tasks/nope'), 404],
    ['a cancel of an unknown task', () => request(broker.url).delete('/tasks/nope'), 404],
    ['a delete of an unknown queue', () => request(broker.url).delete('/queues/nope'), 404],
    ['a text body', () => request(broker.url).post('/tasks').set('content-type', 'text/plain').send('x'), 415],
    ['invalid JSON', () => postRaw('/tasks', '{"task_name":'), 400],
  ])('answers %s in the one error shape', async (_what, send, status) => {
    const res = await send().expect(status);
    expect(res.body).toEqual({ statusCode: status, error: expect.any(String), message: [expect.any(String)] });
  });

  it('rejects a non-numeric dead-letter limit', async () => {
    const res = await request(broker.url).get('/queues/default/dead-letters?limit=abc').expect(400);
    expect(JSON.stringify(res.body.message)).toContain('limit');
  });

  it('names every bad field at once', async () => {
    const res = await request(broker.url).post('/tasks').send({ priority: 99 }).expect(400);
    const message = JSON.stringify(res.body.message);
    for (const field of ['task_name', 'task_type', 'priority']) expect(message).toContain(field);
  });

  it('rejects a whole bulk request for one bad item, naming its index', async () => {
    const before = await taskKeys(redis, prefix);
    const res = await request(broker.url)
      .post('/tasks/bulk')
      .send([valid, valid, { ...valid, priority: 'high' }])
      .expect(400);
    expect(JSON.stringify(res.body.message)).toContain('[2] priority');
    expect(await taskKeys(redis, prefix)).toEqual(before);
  });

  it('rejects a whole bulk request for one unroutable item, naming it', async () => {
    const before = await taskKeys(redis, prefix);
    const res = await request(broker.url)
      .post('/tasks/bulk')
      .send([valid, { ...valid, binding_key: 'nowhere' }])
      .expect(422);
    expect(res.body.message).toEqual([expect.stringContaining('(item 1)')]);
    expect(await taskKeys(redis, prefix)).toEqual(before);
  });

  it.each([
    ['an object', { tasks: [] }, /JSON array/],
    ['an empty array', [], /at least one/],
    ['1001 tasks', Array.from({ length: 1001 }, () => valid), /at most 1000/],
  ])('rejects a bulk body that is %s', async (_what, body, message) => {
    const res = await request(broker.url).post('/tasks/bulk').send(body).expect(400);
    expect(JSON.stringify(res.body.message)).toMatch(message);
  });

  it('answers 503 with Retry-After when a queue is at capacity, storing nothing of the request', async () => {
    await request(broker.url)
      .post('/queues')
      .send({ name: 'tiny', binding_keys: ['tiny'], capacity: 2 })
      .expect(201);
    await request(broker.url)
      .post('/tasks/bulk')
      .send([{ ...valid, binding_key: 'tiny' }])
      .expect(201);
    const before = await taskKeys(redis, prefix);
    const res = await request(broker.url)
      .post('/tasks/bulk')
      .send([
        { ...valid, binding_key: 'tiny' },
        { ...valid, binding_key: 'tiny' },
      ])
      .expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.message).toEqual([expect.stringContaining('tiny')]);
    expect(await taskKeys(redis, prefix)).toEqual(before);
  });

  it('declares queues idempotently and refuses a binding key bound elsewhere', async () => {
    const queue = { name: 'reports', binding_keys: ['report-x'], capacity: 10 };
    await request(broker.url).post('/queues').send(queue).expect(201);
    await request(broker.url).post('/queues').send(queue).expect(200);
    const conflict = await request(broker.url)
      .post('/queues')
      .send({ ...queue, name: 'other' })
      .expect(409);
    expect(conflict.body.message).toEqual([expect.stringContaining('report-x')]);
    await request(broker.url).post('/queues').send({ name: 'BAD', binding_keys: [], capacity: 0 }).expect(400);
  });

  it('answers 404 for unknown tasks, queues and consumers', async () => {
    await request(broker.url).get('/tasks/nope').expect(404);
    await request(broker.url).get('/queues/nope').expect(404);
    await request(broker.url).post('/consumers/nope/heartbeat').expect(404);
    await request(broker.url).delete('/consumers/nope').expect(404);
  });

  it('takes acks and leases only from a registered consumer with its secret, and validates their bodies', async () => {
    const { body: registered } = await request(broker.url)
      .post('/consumers')
      .send({ url: 'http://127.0.0.1:1', capacity: 1 })
      .expect(201);
    expect(registered.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const consumer = { 'x-tq-consumer-id': registered.id, 'x-tq-consumer-secret': registered.secret };
    const ghost = { acks: [{ delivery_id: 'default~1~ghost~ffffffffffffffffffffffff', ok: true }] };
    await request(broker.url).post('/acks').send(ghost).expect(401);
    await request(broker.url)
      .post('/acks')
      .set({ ...consumer, 'x-tq-consumer-secret': 'wrong' })
      .send(ghost)
      .expect(401);
    await request(broker.url).post(`/consumers/${registered.id}/heartbeat`).expect(401);
    await request(broker.url).delete(`/consumers/${registered.id}`).set('x-tq-consumer-secret', 'wrong').expect(401);

    await request(broker.url).post('/acks').set(consumer).send(ghost).expect(204);
    await request(broker.url)
      .post('/acks')
      .set(consumer)
      .send({ acks: [{ delivery_id: 'x', ok: 'yes' }] })
      .expect(400);
    expect(
      (
        await request(broker.url)
          .post('/leases')
          .set(consumer)
          .send({ leases: [{ delivery_id: 'x' }] })
          .expect(200)
      ).body,
    ).toEqual({ extended: 0, cancelled: [], stale: [], lease_ms: 30_000 });
    await request(broker.url).post('/leases').set(consumer).send({ leases: 'all' }).expect(400);
    await request(broker.url)
      .post(`/consumers/${registered.id}/heartbeat`)
      .set('x-tq-consumer-secret', registered.secret)
      .expect(200);
    await request(broker.url)
      .delete(`/consumers/${registered.id}`)
      .set('x-tq-consumer-secret', registered.secret)
      .expect(204);
  });

  it('registers producers and lists them', async () => {
    await request(broker.url).post('/producers').send({ name: 'p-1', url: 'http://127.0.0.1:8080' }).expect(201);
    const list = await request(broker.url).get('/producers').expect(200);
    expect(list.body).toEqual({
      items: [expect.objectContaining({ id: 'p-1', url: 'http://127.0.0.1:8080' })],
      next_cursor: null,
    });
    await request(broker.url).post('/producers').send({ url: 'not a url' }).expect(400);
  });

  it('counts accepted tasks in /metrics', async () => {
    const metrics = await request(broker.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/tq_accepted_total \d+/);
    expect(metrics.text).toContain('tq_queue_depth{queue="tiny"} 1');
  });
});
