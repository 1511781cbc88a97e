import { AppLogger } from '@app/common';
import { RedisKeys } from '@app/redis';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import request from 'supertest';
import { API_APPS, ApiApp, bootForDocument, servedDocument } from '../../../test/api-apps';
import { BootedApp, eventually } from '../../../test/helpers';
import { OwnRedis, ProxyMode, RedisProxy } from '../../../test/redis-outage';

/**
 * Redis gone, two ways: refusing connections, and accepting them but never answering (a hung
 * server, a cut network). Every app runs against a redis-server of this file's own behind a proxy
 * the test cuts; the shared Redis is never touched. Every operation of every app's document must
 * answer within a second, a Redis-bound one 503 with Retry-After; the apps recover by themselves,
 * keep what they accepted, declare the QUEUES queues again, and say each outage once.
 */

const DEADLINE_MS = 1_000;

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  path: string;
  body?: unknown;
}

interface OpenApiOperation {
  parameters?: Array<{ in: string; name: string; example?: string | number; schema?: { example?: string | number } }>;
  requestBody?: { content?: Record<string, { example?: unknown; examples?: Record<string, { value?: unknown }> }> };
}

/** Every operation of a served document, path parameters and body filled from its examples. */
async function operationsOf(url: string): Promise<Operation[]> {
  const document = await servedDocument(url);
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'delete', 'patch'] as const) {
      const operation = (item as Record<string, OpenApiOperation | undefined>)[method];
      if (!operation) continue;
      let path = template;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path') continue;
        const example = parameter.example ?? parameter.schema?.example ?? 'example';
        path = path.replace(`{${parameter.name}}`, encodeURIComponent(String(example)));
      }
      const json = operation.requestBody?.content?.['application/json'];
      const body = json?.example ?? Object.values(json?.examples ?? {})[0]?.value;
      // A producer's run answers when it ends; it needs no Redis, and its tasks wait out the broker's 503s.
      if (template === '/produce') continue;
      operations.push({ method, path, body: operation.requestBody ? (body ?? {}) : undefined });
    }
  }
  return operations;
}

const UNANSWERED: { status: number; headers: Record<string, string | undefined>; body: unknown } = {
  status: 0,
  headers: {},
  body: undefined,
};

async function timed(url: string, op: Operation) {
  const started = performance.now();
  let req = request(url)[op.method](op.path);
  if (op.body !== undefined) req = req.send(op.body as object);
  // A request left unanswered is reported with the others, not as a timeout of the whole test.
  const res = await req.timeout(3_000).catch(() => UNANSWERED);
  return { res, ms: performance.now() - started };
}

describe('Redis unreachable', () => {
  let own: OwnRedis;
  let proxy: RedisProxy;
  let direct: Redis;
  const apps = new Map<ApiApp, BootedApp>();
  const operations = new Map<ApiApp, Operation[]>();
  const lines: string[] = [];
  const stderr: string[] = [];
  let stderrSpy: jest.SpyInstance;
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  const broker = () => apps.get('broker')!.url;

  beforeAll(async () => {
    own = await OwnRedis.start();
    proxy = await RedisProxy.start(own.port);
    direct = own.client();
    process.env.REDIS_URL = proxy.url;
    for (const name of API_APPS) apps.set(name, await bootForDocument(name));
    for (const [name, booted] of apps) operations.set(name, await operationsOf(booted.url));
    // Every line the apps log from here on, as the apps' own logger writes them.
    Logger.overrideLogger(new AppLogger({ format: 'json', level: 'log', write: (line) => lines.push(line) }));
    stderrSpy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      stderr.push(args.map(String).join(' '));
    });
  }, 60_000);

  afterAll(async () => {
    stderrSpy?.mockRestore();
    await proxy?.setMode('forward');
    for (const booted of apps.values()) await booted.app.close();
    direct?.disconnect();
    await proxy?.close();
    await own?.stop();
  }, 30_000);

  const messages = (pattern: RegExp) =>
    lines.map((line) => (JSON.parse(line) as { message: string }).message).filter((m) => pattern.test(m));

  it('starts with every app healthy through the proxy', async () => {
    for (const booted of apps.values()) await request(booted.url).get('/health').expect(200);
  });

  let accepted: string;
  it('accepts a task before the outage', async () => {
    const res = await request(broker())
      .post('/tasks')
      .send({ task_name: 'before', task_type: 'echo', binding_key: 'default', payload: {} })
      .expect(201);
    accepted = (res.body as { id: string }).id;
  });

  describe.each<ProxyMode>(['refuse', 'silent'])('when Redis is %s', (mode) => {
    const downBefore = () => messages(/^Redis cannot be reached at /).length;
    let downLines = 0;
    let backLines = 0;

    beforeAll(async () => {
      downLines = downBefore();
      backLines = messages(/ is back$/).length;
      await proxy.setMode(mode);
    });

    it('answers /health 503 within a second on every app', async () => {
      for (const [name, booted] of apps) {
        const { res, ms } = await timed(booted.url, { method: 'get', path: '/health' });
        expect({ name, status: res.status, retryAfter: res.headers['retry-after'], body: res.body }).toEqual({
          name,
          status: 503,
          retryAfter: expect.stringMatching(/^\d+$/),
          body: {
            statusCode: 503,
            error: 'Service Unavailable',
            message: [expect.stringMatching(/^Redis cannot be reached/)],
          },
        });
        expect(ms).toBeLessThan(DEADLINE_MS);
      }
    });

    it('answers POST /tasks and GET /tasks/:id 503 with Retry-After and a plain message, within a second', async () => {
      const submit = await timed(broker(), {
        method: 'post',
        path: '/tasks',
        body: { task_name: 'during', task_type: 'echo', binding_key: 'default', payload: {} },
      });
      const read = await timed(broker(), { method: 'get', path: `/tasks/${accepted}` });
      for (const { res, ms } of [submit, read]) {
        expect(res.status).toBe(503);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: [expect.stringMatching(/^Redis cannot be reached; retry after \d+ s$/)],
        });
        expect(ms).toBeLessThan(DEADLINE_MS);
      }
    });

    it('answers every operation of every app in 1 s: 503 with Retry-After if it needs Redis, never 500', async () => {
      const wrong: string[] = [];
      for (const [name, ops] of operations) {
        for (const op of ops) {
          const { res, ms } = await timed(apps.get(name)!.url, op);
          const unavailable = res.status === 503 && res.headers['retry-after'] !== undefined;
          if (ms >= DEADLINE_MS || res.status === 0 || (res.status >= 500 && !unavailable))
            wrong.push(`${name} ${op.method.toUpperCase()} ${op.path}: ${res.status} in ${Math.round(ms)} ms`);
        }
      }
      expect(wrong).toEqual([]);
    }, 120_000);

    it('says once per app that Redis cannot be reached, and where', () => {
      const down = messages(/^Redis cannot be reached at /).slice(downLines);
      expect(down).toHaveLength(apps.size);
      for (const line of down) expect(line).toContain(`127.0.0.1:${proxy.port}`);
    });

    it('recovers by itself once Redis is back, and says so once per app', async () => {
      await proxy.setMode('forward');
      for (const booted of apps.values())
        await eventually(async () => (await request(booted.url).get('/health')).status === 200, 10_000, 'healthy');
      await eventually(
        () => Promise.resolve(messages(/ is back$/).length - backLines === apps.size),
        5_000,
        'a back line per app',
      );
      const res = await request(broker()).get(`/tasks/${accepted}`).expect(200);
      expect((res.body as { id: string }).id).toBe(accepted);
      await request(broker())
        .post('/tasks')
        .send({ task_name: 'after', task_type: 'echo', binding_key: 'default', payload: {} })
        .expect(201);
    }, 20_000);
  });

  it('declares the QUEUES queues again when Redis comes back without its data', async () => {
    await proxy.setMode('refuse');
    // Redis restarted empty, as one without persistence does: this server is the test's own.
    await direct.flushall();
    await proxy.setMode('forward');
    await eventually(async () => (await direct.hlen(keys.queues)) === 3, 10_000, 'the QUEUES queues declared again');
    const res = await request(broker()).get('/queues').expect(200);
    const names = (
      (res.body as { items?: Array<{ name: string }> }).items ?? (res.body as Array<{ name: string }>)
    ).map((queue) => queue.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'email', 'report']));
    await eventually(async () => (await request(broker()).get('/health')).status === 200, 10_000, 'healthy');
  }, 30_000);

  it('logged the outages only in the Redis lines: no background job repeated them at warn or error', () => {
    const records = lines.map((line) => JSON.parse(line) as { level: string; context?: string; message: string });
    // RegistrationService: the consumer's and producer's link to a broker, which this file does not run for them.
    const others = records.filter(
      (r) => ['warn', 'error'].includes(r.level) && r.context !== 'Redis' && r.context !== 'RegistrationService',
    );
    expect(others.map((r) => `${r.context}: ${r.message}`)).toEqual([]);
  });

  it('printed no unhandled ioredis error', () => {
    expect(stderr.filter((line) => line.includes('[ioredis]'))).toEqual([]);
  });
});
