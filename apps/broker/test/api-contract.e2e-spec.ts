/**
 * The served OpenAPI documents are the contract: all four apps run for real (a broker, a consumer
 * registered with it, a producer submitting to it, a task-dispatcher), every operation of every
 * document gets requests, and each real answer must be a status the document lists for it, with a
 * body its schema accepts. The prefilled examples of the documents are among the requests, so they
 * are known to succeed on a freshly started system. Here, not under each app: the apps call each
 * other, and the broker is the one they all call.
 */
import { signDelivery, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@app/common';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type Redis from 'ioredis';
import type { OpenAPIObject } from '@nestjs/swagger';
import request, { Response } from 'supertest';
import { API_APPS, ApiApp, bootForDocument, builtDocument, servedDocument } from '../../../test/api-apps';
import { BootedApp, closeAndClean, eventually, freePort, testRedis } from '../../../test/helpers';

const ALL = 'contract-all-'.padEnd(40, 'a');
const READ_ONLY = 'contract-read-'.padEnd(40, 'r');
/** A key of its own for the flood that gets 429: the others keep their submit budget. */
const LIMITED = 'contract-limited-'.padEnd(40, 'l');
const SIGNING_KEY = 'g'.repeat(40);
// Read by each app's environment when its module loads: bootForDocument requires them after this.
process.env.AUTH = 'on';
process.env.API_KEYS = `all:submit+read+admin+consumer:${ALL};reader:read:${READ_ONLY};limited:submit:${LIMITED}`;
// Per key: far above what the other calls send, easily passed by the flood below.
process.env.SUBMIT_RATE_LIMIT = '30';
process.env.BROKER_API_KEY = ALL;
process.env.DELIVERY_SIGNING_KEYS = SIGNING_KEY;
// The task-dispatcher's passes run when the test asks, not at a minute boundary.
process.env.SCHEDULER_CRON = '0 0 0 1 1 *';
process.env.CLEANUP_CRON = '0 0 0 1 1 *';

type Method = 'get' | 'post' | 'delete';

interface Call {
  app: ApiApp;
  method: Method;
  /** The path as the document names it: `/tasks/{id}`. */
  operation: string;
  /** The path sent, when it is not the operation's with its example parameters. */
  path?: string;
  /** The bearer key; none for an unauthenticated call. Default: the key with every scope. */
  key?: string | null;
  body?: unknown;
  /** Sent as a raw string with this content type instead of JSON. */
  raw?: { type: string; text: string };
  headers?: Record<string, string>;
  /** The status this request must get (any the document lists, when not given). */
  status?: number;
}

describe('every operation answers as its OpenAPI document says', () => {
  const apps = {} as Record<ApiApp, BootedApp>;
  const documents = {} as Record<ApiApp, OpenAPIObject>;
  const validators = new Map<string, ValidateFunction>();
  const called = new Set<string>();
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  let redis: Redis;

  beforeAll(async () => {
    redis = testRedis();
    process.env.BROKER_URL = `http://127.0.0.1:${await freePort()}`;
    apps.broker = await bootForDocument('broker', Number(new URL(process.env.BROKER_URL).port));
    apps.consumer = await bootForDocument('consumer');
    apps.producer = await bootForDocument('producer');
    apps['task-dispatcher'] = await bootForDocument('task-dispatcher');
    for (const name of API_APPS) documents[name] = await servedDocument(apps[name].url);
    await eventually(
      async () => (await brokerGet('/queues/default')).body.consumer ?? false,
      10_000,
      'the consumer to own the default queue',
    );
  }, 60_000);

  afterAll(async () => {
    await closeAndClean(redis, apps.producer, apps['task-dispatcher'], apps.consumer, apps.broker);
  });

  const brokerGet = (path: string) => request(apps.broker.url).get(path).set('Authorization', `Bearer ${ALL}`);

  /** The operation's example path: each path parameter replaced by the example the document gives it. */
  function examplePath(app: ApiApp, method: Method, operation: string): string {
    const parameters = documents[app].paths[operation]?.[method]?.parameters ?? [];
    return operation.replace(/\{(\w+)\}/g, (_, name: string) => {
      const parameter = parameters.find((p) => 'name' in p && p.name === name && p.in === 'path');
      if (!parameter || !('example' in parameter))
        throw new Error(`${app} ${method} ${operation}: no example for ${name}`);
      return encodeURIComponent(String(parameter.example));
    });
  }

  /** The bodies Swagger UI offers for an operation: its request body's examples. */
  function bodyExamples(app: ApiApp, method: Method, operation: string): unknown[] {
    const body = documents[app].paths[operation]?.[method]?.requestBody;
    const media = body && 'content' in body ? body.content['application/json'] : undefined;
    return Object.values(media?.examples ?? {}).map((example) => ('value' in example ? example.value : undefined));
  }

  /** Validates one answer against the document: a listed status, and a body its schema accepts. */
  function expectDocumented(call: Call, res: Response): void {
    const where = `${call.app} ${call.method.toUpperCase()} ${call.path ?? call.operation} -> ${res.status}`;
    const responses = documents[call.app].paths[call.operation]?.[call.method]?.responses;
    if (!responses) throw new Error(`${call.app} documents no ${call.method.toUpperCase()} ${call.operation}`);
    const documented = responses[String(res.status)];
    if (!documented || !('description' in documented))
      throw new Error(`${where}: not a status the document lists (${Object.keys(responses).join(', ')}): ${res.text}`);
    const content = documented.content ?? {};
    if (Object.keys(content).length === 0) {
      expect({ where, body: res.text }).toEqual({ where, body: '' });
      return;
    }
    const type = String(res.headers['content-type'] ?? '').split(';')[0];
    const media = content[type];
    if (!media?.schema) throw new Error(`${where}: answered ${type}, documented ${Object.keys(content).join(', ')}`);
    const key = `${call.app} ${call.method} ${call.operation} ${res.status} ${type}`;
    let validate = validators.get(key);
    if (!validate) {
      // The components ride along, so the schema's #/components/schemas/... references resolve.
      validate = ajv.compile({ ...media.schema, components: documents[call.app].components });
      validators.set(key, validate);
    }
    const body: unknown = type === 'application/json' ? res.body : res.text;
    if (!validate(body))
      throw new Error(`${where}: the body does not match its schema: ${ajv.errorsText(validate.errors)}\n${res.text}`);
  }

  async function send(call: Call): Promise<Response> {
    const path = call.path ?? examplePath(call.app, call.method, call.operation);
    let req = request(apps[call.app].url)[call.method](path);
    const key = call.key === undefined ? ALL : call.key;
    if (key) req = req.set('Authorization', `Bearer ${key}`);
    for (const [name, value] of Object.entries(call.headers ?? {})) req = req.set(name, value);
    const res = call.raw
      ? await req.set('Content-Type', call.raw.type).send(call.raw.text)
      : call.body === undefined
        ? await req
        : await req.send(call.body as object);
    called.add(`${call.app} ${call.method} ${call.operation}`);
    expectDocumented(call, res);
    if (call.status !== undefined)
      expect(`${call.app} ${call.method} ${path} -> ${res.status}`).toBe(
        `${call.app} ${call.method} ${path} -> ${call.status}`,
      );
    return res;
  }

  it('serves the document lint:api lints', async () => {
    for (const name of API_APPS) expect(documents[name]).toEqual(await builtDocument(name));
  });

  it('answers the prefilled examples of POST /tasks and /tasks/bulk with 201, a repeated id with 200', async () => {
    for (const body of bodyExamples('broker', 'post', '/tasks'))
      await send({ app: 'broker', method: 'post', operation: '/tasks', body, status: 201 });
    const [withId] = bodyExamples('broker', 'post', '/tasks');
    await send({ app: 'broker', method: 'post', operation: '/tasks', body: withId, status: 200 });
    for (const body of bodyExamples('broker', 'post', '/tasks/bulk'))
      await send({ app: 'broker', method: 'post', operation: '/tasks/bulk', body, status: 201 });
    expect(bodyExamples('broker', 'post', '/tasks').length).toBeGreaterThan(0);
  });

  it('answers every refusal of a task submission in the one error shape', async () => {
    const tasks = { app: 'broker', method: 'post', operation: '/tasks' } as const;
    const good = { task_name: 'contract', task_type: 'echo', binding_key: 'default' };
    await send({ ...tasks, body: { task_type: 'echo', priority: 'high' }, status: 400 });
    await send({ ...tasks, raw: { type: 'application/json', text: '{"task_name":' }, status: 400 });
    await send({ ...tasks, body: good, key: null, status: 401 });
    await send({ ...tasks, body: good, key: READ_ONLY, status: 403 });
    await send({ ...tasks, body: { ...good, id: 'example-hello', task_name: 'other' }, status: 409 });
    await send({ ...tasks, body: { ...good, payload: { big: 'x'.repeat(2_000_000) } }, status: 413 });
    await send({ ...tasks, raw: { type: 'text/plain', text: 'hello' }, status: 415 });
    await send({ ...tasks, body: { ...good, binding_key: 'contract-nowhere' }, status: 422 });
    const bulk = { app: 'broker', method: 'post', operation: '/tasks/bulk' } as const;
    await send({ ...bulk, body: [], status: 400 });
    await send({ ...bulk, body: [good, { ...good, priority: 99 }], status: 400 });
    await send({ ...bulk, body: [good, { ...good, binding_key: 'contract-nowhere' }], status: 422 });
    await send({ ...bulk, body: [{ ...good, id: 'example-hello', task_name: 'other' }], status: 409 });
  });

  it('answers a key past SUBMIT_RATE_LIMIT with 429 and Retry-After', async () => {
    // Bad bodies: the rate limit counts requests before their bodies are read, and none is stored.
    const flood = await Promise.all(
      Array.from({ length: 150 }, () =>
        send({ app: 'broker', method: 'post', operation: '/tasks', key: LIMITED, body: { task_name: 1 } }),
      ),
    );
    const limited = flood.filter((res) => res.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].headers['retry-after']).toMatch(/^[1-9]\d*$/);
  });

  it('reads and cancels tasks', async () => {
    const one = { app: 'broker', operation: '/tasks/{id}' } as const;
    await send({ ...one, method: 'get', status: 200 });
    await send({ ...one, method: 'get', path: '/tasks/contract-nope', status: 404 });
    const later = await send({
      app: 'broker',
      method: 'post',
      operation: '/tasks',
      body: { task_name: 'later', task_type: 'echo', binding_key: 'default', scheduled_time: '2099-01-01T00:00:00Z' },
      status: 201,
    });
    await send({ ...one, method: 'delete', path: `/tasks/${later.body.id}`, status: 200 });
    await send({ ...one, method: 'delete', path: '/tasks/contract-nope', status: 404 });
    await send({ ...one, method: 'delete', path: `/tasks/${later.body.id}`, key: READ_ONLY, status: 403 });
    // The example task: 200 while it waits or runs, 409 once the consumer completed it.
    await send({ ...one, method: 'delete' });
  });

  it('declares, reads, replays and deletes a queue with the prefilled examples, leaving default ones be', async () => {
    const [declared] = bodyExamples('broker', 'post', '/queues') as Array<{ name: string }>;
    const queues = { app: 'broker', method: 'post', operation: '/queues' } as const;
    await send({ ...queues, body: declared, status: 201 });
    await send({ ...queues, body: declared, status: 200 });
    await send({ ...queues, body: { name: 'contract-q', binding_keys: ['email'], capacity: 10 }, status: 409 });
    await send({ ...queues, body: { name: 'Bad Name', binding_keys: [], capacity: 0 }, status: 400 });
    await send({ ...queues, body: declared, key: READ_ONLY, status: 403 });
    await send({ app: 'broker', method: 'get', operation: '/queues', status: 200 });
    await send({ app: 'broker', method: 'get', operation: '/queues', path: '/queues?limit=0', status: 400 });
    await send({ app: 'broker', method: 'get', operation: '/queues/{name}', status: 200 });
    await send({
      app: 'broker',
      method: 'get',
      operation: '/queues/{name}',
      path: '/queues/contract-nope',
      status: 404,
    });
    const dead = { app: 'broker', method: 'get', operation: '/queues/{name}/dead-letters' } as const;
    await send({ ...dead, status: 200 });
    await send({ ...dead, path: '/queues/contract-nope/dead-letters', status: 404 });
    await send({ ...dead, path: '/queues/default/dead-letters?limit=abc', status: 400 });
    const replay = { app: 'broker', method: 'post', operation: '/queues/{name}/dead-letters/replay' } as const;
    expect(examplePath('broker', 'post', replay.operation)).toBe(`/queues/${declared.name}/dead-letters/replay`);
    await send({ ...replay, status: 201 });
    await send({ ...replay, path: '/queues/contract-nope/dead-letters/replay', status: 404 });
    const remove = { app: 'broker', method: 'delete', operation: '/queues/{name}' } as const;
    expect(examplePath('broker', 'delete', remove.operation)).toBe(`/queues/${declared.name}`);
    await send({ ...remove, path: `/queues/${declared.name}?force=maybe`, status: 400 });
    await send({ ...remove, status: 200 });
    await send({ ...remove, status: 404 });
  });

  it("answers a consumer's calls: registration, heartbeats, leases, acks, deregistration", async () => {
    const registered = await send({
      app: 'broker',
      method: 'post',
      operation: '/consumers',
      // It runs no type anyone sends, so the queues it may take keep their tasks for the real consumer.
      body: { url: 'http://127.0.0.1:9', capacity: 1, types: ['contract-none'] },
      status: 201,
    });
    const { id, secret } = registered.body as { id: string; secret: string };
    await send({
      app: 'broker',
      method: 'post',
      operation: '/consumers',
      body: { url: 'http://user:pw@127.0.0.1:9', capacity: 1 },
      status: 400,
    });
    const own = { 'x-tq-consumer-id': id, 'x-tq-consumer-secret': secret };
    const heartbeat = { app: 'broker', method: 'post', operation: '/consumers/{id}/heartbeat' } as const;
    await send({ ...heartbeat, path: `/consumers/${id}/heartbeat`, headers: own, status: 200 });
    await send({
      ...heartbeat,
      path: `/consumers/${id}/heartbeat`,
      headers: { ...own, 'x-tq-consumer-secret': 'wrong' },
      status: 401,
    });
    await send({ ...heartbeat, headers: own, status: 404 });
    await send({ app: 'broker', method: 'get', operation: '/consumers', status: 200 });
    await send({
      app: 'broker',
      method: 'post',
      operation: '/leases',
      headers: own,
      body: { leases: [] },
      status: 200,
    });
    await send({ app: 'broker', method: 'post', operation: '/leases', body: { leases: [] }, status: 401 });
    await send({ app: 'broker', method: 'post', operation: '/acks', headers: own, body: { acks: [] }, status: 204 });
    await send({ app: 'broker', method: 'post', operation: '/acks', headers: own, body: { acks: 'no' }, status: 400 });
    await send({ app: 'broker', method: 'post', operation: '/acks', body: { acks: [] }, status: 401 });
    const remove = { app: 'broker', method: 'delete', operation: '/consumers/{id}' } as const;
    await send({ ...remove, path: `/consumers/${id}`, headers: own, status: 204 });
    await send({ ...remove, headers: own, status: 404 });
  });

  it('registers and lists producers', async () => {
    const producers = { app: 'broker', operation: '/producers' } as const;
    await send({ ...producers, method: 'post', body: { name: 'contract-producer' }, status: 201 });
    await send({ ...producers, method: 'post', body: { name: 'bad name' }, status: 400 });
    await send({ ...producers, method: 'get', status: 200 });
    await send({ ...producers, method: 'get', path: '/producers?cursor=%24', status: 400 });
  });

  it("answers the consumer app's signed and unsigned deliveries", async () => {
    const deliveries = { app: 'consumer', method: 'post', operation: '/deliveries', key: null } as const;
    const signed = (body: object) => {
      const timestamp = String(Date.now());
      const raw = JSON.stringify(body);
      return {
        raw: { type: 'application/json', text: raw },
        headers: {
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signDelivery(SIGNING_KEY, timestamp, Buffer.from(raw)),
        },
      };
    };
    await send({ ...deliveries, ...signed({ deliveries: [] }), status: 202 });
    await send({ ...deliveries, ...signed({ deliveries: 'no' }), status: 400 });
    await send({ ...deliveries, body: { deliveries: [] }, status: 401 });
  });

  it("runs the producer's prefilled example against the real broker", async () => {
    for (const body of bodyExamples('producer', 'post', '/produce')) {
      const res = await send({ app: 'producer', method: 'post', operation: '/produce', body, status: 200 });
      expect(res.body).toMatchObject({ rejected: 0, failed: 0 });
    }
    await send({ app: 'producer', method: 'post', operation: '/produce', body: { count: 0 }, status: 400 });
    await send({
      app: 'producer',
      method: 'post',
      operation: '/produce',
      body: { count: 1 },
      key: READ_ONLY,
      status: 403,
    });
  });

  it("answers the task-dispatcher's passes and listing", async () => {
    const dispatcher = { app: 'task-dispatcher' } as const;
    await send({ ...dispatcher, method: 'post', operation: '/scheduler/run', status: 200 });
    await send({ ...dispatcher, method: 'post', operation: '/cleanup/run', status: 200 });
    await send({ ...dispatcher, method: 'post', operation: '/cleanup/run', key: READ_ONLY, status: 403 });
    await send({ ...dispatcher, method: 'get', operation: '/tasks', path: '/tasks?status=scheduled', status: 200 });
    await send({ ...dispatcher, method: 'get', operation: '/tasks', path: '/tasks?status=bogus', status: 400 });
  });

  it('answers /health without a key and /metrics with one, on every app', async () => {
    for (const app of API_APPS) {
      await send({ app, method: 'get', operation: '/health', key: null, status: 200 });
      await send({
        app,
        method: 'get',
        operation: '/health',
        key: null,
        raw: { type: 'text/plain', text: 'x' },
        status: 415,
      });
      await send({ app, method: 'get', operation: '/metrics', key: READ_ONLY, status: 200 });
      await send({ app, method: 'get', operation: '/metrics', key: null, status: 401 });
    }
  });

  it('has sent a request to every operation of every document', () => {
    const documented = API_APPS.flatMap((app) =>
      Object.entries(documents[app].paths).flatMap(([path, item]) =>
        (['get', 'post', 'delete', 'put', 'patch'] as const).filter((m) => item[m]).map((m) => `${app} ${m} ${path}`),
      ),
    );
    expect(documented.filter((operation) => !called.has(operation))).toEqual([]);
  });
});
