import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, closeAndClean, freePort, testRedis } from '../../../test/helpers';

/** One key per scope, and one with every other scope (what "a key without the scope" is tested with). */
const SECRETS = { submit: 's'.repeat(40), read: 'r'.repeat(40), admin: 'a'.repeat(40), consumer: 'c'.repeat(40) };
type ScopeName = keyof typeof SECRETS;
const ALL_BUT = (scope: ScopeName) => `all-but-${scope}`.padEnd(40, '-');
const API_KEYS = [
  ...Object.entries(SECRETS).map(([scope, secret]) => `${scope}-key:${scope}:${secret}`),
  ...(Object.keys(SECRETS) as ScopeName[]).map(
    (scope) =>
      `no-${scope}:${(Object.keys(SECRETS) as ScopeName[]).filter((s) => s !== scope).join('+')}:${ALL_BUT(scope)}`,
  ),
].join(';');

const redisKeys = new RedisKeys(process.env.REDIS_PREFIX!);

// Read by each app's environment when its module loads, so set before the imports in beforeAll.
process.env.AUTH = 'on';
process.env.API_KEYS = API_KEYS;
process.env.BROKER_API_KEY = SECRETS.consumer;
process.env.DELIVERY_SIGNING_KEYS = 'g'.repeat(40);
// The consumer and producer call a broker that is not there: nothing they do in the background touches Redis.
process.env.BROKER_URL = 'http://127.0.0.1:9';
process.env.SCHEDULER_WAKE_MS = '0';
// Nor do the task-dispatcher's crons (Jan 1st, midnight): a pass at a minute boundary writes to Redis.
process.env.SCHEDULER_CRON = '0 0 0 1 1 *';
process.env.CLEANUP_CRON = '0 0 0 1 1 *';

interface Route {
  app: 'broker' | 'producer' | 'consumer' | 'task-dispatcher';
  method: 'get' | 'post' | 'delete';
  path: string;
  scope: ScopeName;
  body?: unknown;
  /** The status with the right key, where the route's own answer is known. */
  ok?: number;
}

const task = { task_name: 'auth', task_type: 'echo', binding_key: 'default', payload: {} };
const ROUTES: Route[] = [
  { app: 'broker', method: 'post', path: '/tasks', scope: 'submit', body: task, ok: 201 },
  { app: 'broker', method: 'post', path: '/tasks/bulk', scope: 'submit', body: [task], ok: 201 },
  { app: 'broker', method: 'get', path: '/tasks/nope', scope: 'read', ok: 404 },
  { app: 'broker', method: 'delete', path: '/tasks/nope', scope: 'admin', ok: 404 },
  { app: 'broker', method: 'get', path: '/queues', scope: 'read', ok: 200 },
  {
    app: 'broker',
    method: 'post',
    path: '/queues',
    scope: 'admin',
    body: { name: 'auth-q', binding_keys: ['auth-q'], capacity: 10 },
    ok: 201,
  },
  { app: 'broker', method: 'get', path: '/queues/default', scope: 'read', ok: 200 },
  { app: 'broker', method: 'delete', path: '/queues/nope', scope: 'admin', ok: 404 },
  { app: 'broker', method: 'get', path: '/queues/default/dead-letters', scope: 'read', ok: 200 },
  { app: 'broker', method: 'post', path: '/queues/default/dead-letters/replay', scope: 'admin' },
  {
    app: 'broker',
    method: 'post',
    path: '/consumers',
    scope: 'consumer',
    body: { url: 'http://127.0.0.1:1', capacity: 1 },
    ok: 201,
  },
  { app: 'broker', method: 'post', path: '/consumers/nope/heartbeat', scope: 'consumer' },
  { app: 'broker', method: 'delete', path: '/consumers/nope', scope: 'consumer' },
  { app: 'broker', method: 'get', path: '/consumers', scope: 'read', ok: 200 },
  { app: 'broker', method: 'post', path: '/producers', scope: 'submit', body: { name: 'auth-producer' } },
  { app: 'broker', method: 'get', path: '/producers', scope: 'read', ok: 200 },
  { app: 'broker', method: 'post', path: '/acks', scope: 'consumer', body: { acks: [] } },
  { app: 'broker', method: 'post', path: '/leases', scope: 'consumer', body: { leases: [] } },
  { app: 'broker', method: 'get', path: '/metrics', scope: 'read', ok: 200 },
  { app: 'producer', method: 'post', path: '/produce', scope: 'admin', body: { count: 1 } },
  { app: 'producer', method: 'get', path: '/metrics', scope: 'read', ok: 200 },
  { app: 'consumer', method: 'get', path: '/metrics', scope: 'read', ok: 200 },
  { app: 'task-dispatcher', method: 'get', path: `/tasks?status=${TaskStatus.Complete}`, scope: 'read', ok: 200 },
  { app: 'task-dispatcher', method: 'post', path: '/scheduler/run', scope: 'admin', ok: 200 },
  { app: 'task-dispatcher', method: 'post', path: '/cleanup/run', scope: 'admin', ok: 200 },
  { app: 'task-dispatcher', method: 'get', path: '/metrics', scope: 'read', ok: 200 },
];

/** Every key under the file's prefix with a digest of its value: what a refused request must leave as it was. */
async function snapshot(redis: Redis): Promise<Map<string, string>> {
  const keys = (await redis.keys(redisKeys.all)).sort();
  const state = new Map<string, string>();
  for (const key of keys) {
    const dump = await redis.dumpBuffer(key);
    state.set(key, dump ? createHash('sha1').update(dump).digest('hex') : 'gone');
  }
  return state;
}

describe('API keys and scopes on every endpoint of every app', () => {
  let redis: Redis;
  const apps: Partial<Record<Route['app'], BootedApp>> = {};
  const url = (app: Route['app']) => apps[app]!.url;

  beforeAll(async () => {
    redis = testRedis();
    apps.broker = await bootApp((await import('../src/app.module')).AppModule, 'broker', undefined, await freePort());
    apps.producer = await bootApp((await import('../../producer/src/app.module')).AppModule, 'producer');
    apps.consumer = await bootApp((await import('../../consumer/src/app.module')).AppModule, 'consumer');
    apps['task-dispatcher'] = await bootApp(
      (await import('../../task-dispatcher/src/app.module')).AppModule,
      'task-dispatcher',
    );
  });

  afterAll(() => closeAndClean(redis, apps.producer, apps.consumer, apps['task-dispatcher'], apps.broker));

  const call = (route: Route, authorization?: string) => {
    const req = request(url(route.app))[route.method](route.path);
    if (authorization) req.set('Authorization', authorization);
    return route.body === undefined ? req : req.send(route.body as object);
  };

  it('refuses each protected route with no key, an unknown key or one lacking its scope; Redis unchanged', async () => {
    const before = await snapshot(redis);
    for (const route of ROUTES) {
      const name = `${route.method.toUpperCase()} ${route.app}${route.path}`;
      const none = await call(route);
      expect([name, none.status, none.headers['www-authenticate']]).toEqual([name, 401, 'Bearer']);
      const unknown = await call(route, `Bearer ${'u'.repeat(40)}`);
      expect([name, unknown.status, unknown.headers['www-authenticate']]).toEqual([
        name,
        401,
        'Bearer error="invalid_token"',
      ]);
      const malformed = await call(route, `Basic ${SECRETS[route.scope]}`);
      expect([name, malformed.status]).toEqual([name, 401]);
      const lacking = await call(route, `Bearer ${ALL_BUT(route.scope)}`);
      expect([name, lacking.status, lacking.body.message]).toEqual([
        name,
        403,
        [`the key "no-${route.scope}" lacks the "${route.scope}" scope`],
      ]);
    }
    expect(await snapshot(redis)).toEqual(before);
  });

  it("answers a foreign page's form POST (a cookie, no Authorization) with 401: nothing replays or runs", async () => {
    const before = await snapshot(redis);
    for (const [app, path] of [
      ['broker', '/queues/default/dead-letters/replay'],
      ['task-dispatcher', '/scheduler/run'],
      ['task-dispatcher', '/cleanup/run'],
    ] as const) {
      const res = await request(url(app))
        .post(path)
        .set({ 'content-type': 'application/x-www-form-urlencoded', cookie: `session=${SECRETS.admin}` })
        .send('');
      expect([path, res.status]).toEqual([path, 401]);
    }
    expect(await snapshot(redis)).toEqual(before);
  });

  it('lets the key with the scope through to the route', async () => {
    for (const route of ROUTES) {
      const name = `${route.method.toUpperCase()} ${route.app}${route.path}`;
      const res = await call(route, `Bearer ${SECRETS[route.scope]}`);
      expect([
        name,
        res.status === 403 || (res.status === 401 && res.headers['www-authenticate'] !== undefined),
      ]).toEqual([name, false]);
      if (route.ok) expect([name, res.status]).toEqual([name, route.ok]);
    }
  });

  it('keeps /health and the API docs open, and declares the bearer scheme on every protected operation', async () => {
    for (const app of Object.keys(apps) as Route['app'][]) {
      await request(url(app)).get('/health').expect(200);
      await request(url(app)).get('/docs/').expect(200);
      const document = (await request(url(app)).get('/docs-json').expect(200)).body;
      expect(document.components.securitySchemes['api-key']).toEqual(
        expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      );
      for (const route of ROUTES.filter((r) => r.app === app)) {
        const templated = route.path
          .replace(/\?.*/, '')
          .replace(/^\/queues\/nope$/, '/queues/{name}')
          .replace('/nope', '/{id}')
          .replace('/default', '/{name}');
        const operation = document.paths[templated]?.[route.method];
        expect([app, templated, operation?.security]).toEqual([app, templated, [{ 'api-key': [] }]]);
      }
    }
  });

  it("scopes a task id to the key that submitted it: another key's resend is 409 and learns nothing", async () => {
    const submit = (secret: string, body: object, path = '/tasks') =>
      request(url('broker')).post(path).set('Authorization', `Bearer ${secret}`).send(body);
    const mine = { ...task, id: 'scoped-1', payload: { to: 'ada' } };
    await submit(SECRETS.submit, mine).expect(201);
    const again = await submit(SECRETS.submit, { ...mine, payload: { to: 'ada' } }).expect(200);
    expect(again.body.id).toBe('scoped-1');
    const theirs = await submit(ALL_BUT('read'), mine).expect(409);
    expect(theirs.body.message).toEqual([
      'task id scoped-1 is already in use by another submission; choose another id',
    ]);
    expect(JSON.stringify(theirs.body)).not.toContain('ada');
    await submit(SECRETS.submit, { ...mine, payload: { to: 'eve' } }).expect(409);
    const bulk = await submit(ALL_BUT('read'), [{ ...task, id: 'scoped-2' }, mine], '/tasks/bulk').expect(409);
    expect(bulk.body.message).toEqual([
      'item 1: task id scoped-1 is already in use by another submission; choose another id',
    ]);
    // A task from before submissions were recorded is no key's: under keys, nobody takes it for their own.
    await redis.hset(redisKeys.task('legacy-1'), { id: 'legacy-1', status: TaskStatus.Queued });
    await submit(SECRETS.submit, { ...task, id: 'legacy-1' }).expect(409);
    // All or nothing: the bulk's other item was not stored either.
    expect(await redis.exists(redisKeys.task('scoped-2'))).toBe(0);
  });

  it("keys producer records by the caller's key and name, and forgets one not renewed", async () => {
    const register = (secret: string) =>
      request(url('broker')).post('/producers').set('Authorization', `Bearer ${secret}`).send({ name: 'shared-name' });
    expect((await register(SECRETS.submit).expect(201)).body).toEqual({ id: 'submit-key/shared-name' });
    expect((await register(ALL_BUT('read')).expect(201)).body).toEqual({ id: 'no-read/shared-name' });
    const list = async () =>
      (await request(url('broker')).get('/producers').set('Authorization', `Bearer ${SECRETS.read}`).expect(200)).body
        .items as Array<{ id: string; key: string }>;
    expect((await list()).filter((p) => p.id.endsWith('/shared-name')).map((p) => [p.id, p.key])).toEqual(
      expect.arrayContaining([
        ['submit-key/shared-name', 'submit-key'],
        ['no-read/shared-name', 'no-read'],
      ]),
    );
    // Last renewed six minutes ago: past the 5-minute record TTL.
    await redis.zadd(redisKeys.producersSeen, Date.now() - 6 * 60_000, 'no-read/shared-name');
    expect((await list()).map((p) => p.id)).not.toContain('no-read/shared-name');
    expect((await list()).map((p) => p.id)).toContain('submit-key/shared-name');
  });

  it('keeps /deliveries open to the signature only on the consumer: the broker asks for a key', async () => {
    await request(url('broker')).post('/deliveries').send({ deliveries: [] }).expect(401);
    await request(url('broker')).post('/deliveries/').send({ deliveries: [] }).expect(401);
    await request(url('broker')).get('/health/').expect(200);
  });

  it('reads no body from a request it refuses: a large body without a key gets its 401 at once', async () => {
    const res = await request(url('broker'))
      .post('/tasks/bulk')
      .set('content-type', 'application/json')
      .send(`[${'{"a":1},'.repeat(200_000)}{}]`);
    expect(res.status).toBe(401);
  });
});
