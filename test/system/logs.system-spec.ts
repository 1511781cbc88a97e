import { TaskStatus } from '@app/common';
import type Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import {
  apiFetch,
  AppProcess,
  Cluster,
  deletePrefix,
  postJson,
  redisClient,
  SYSTEM_KEYS,
  systemPrefix,
  waitFor,
} from './cluster';

type Line = Record<string, unknown> & { time: string; level: string; message: string; context?: string };

/** Every line of an app's log, parsed: a line that is not JSON fails the test, naming it. */
function logLines(app: AppProcess): Line[] {
  const text = readFileSync(app.logFile, 'utf8').trimEnd();
  return text.split('\n').map((raw) => {
    try {
      return JSON.parse(raw) as Line;
    } catch {
      throw new Error(`${app.label} wrote a line that is not JSON: ${raw}`);
    }
  });
}

/** Waits for a line `match` finds: the response may reach the test before its line reaches the file. */
function waitForLine(app: AppProcess, what: string, match: (line: Line) => boolean): Promise<Line> {
  return waitFor(what, () => Promise.resolve(logLines(app).find(match)));
}

describe('logs: JSON lines for collectors, warn for clients’ mistakes, a line per failed task', () => {
  const prefix = systemPrefix('logs');
  let cluster: Cluster;
  let redis: Redis;

  beforeAll(async () => {
    redis = redisClient();
    // LOG_FORMAT unset: the apps write to a file, so JSON is the default. LOG_LEVEL log, as deployed.
    cluster = await Cluster.start({
      prefix,
      consumers: 1,
      dispatchers: 0,
      producers: 0,
      queues: ['default'],
      env: { LOG_LEVEL: 'log' },
    });
  });

  afterAll(async () => {
    await cluster?.stopAll();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('starts with the banner, not Nest’s route mapping; every line has an ISO-8601 time and a string message', () =>
    cluster.withLogs(async () => {
      await waitForLine(cluster.brokers[0], 'the banner', (line) => /listening on \d+/.test(line.message));
      const lines = logLines(cluster.brokers[0]);
      for (const line of lines) {
        expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(typeof line.message).toBe('string');
      }
      expect(
        lines.filter((line) => ['RouterExplorer', 'RoutesResolver', 'InstanceLoader'].includes(line.context!)),
      ).toEqual([]);
      expect(lines.findIndex((line) => /listening on \d+/.test(line.message))).toBeGreaterThanOrEqual(0);
      expect(lines.findIndex((line) => /listening on \d+/.test(line.message))).toBeLessThan(5);
    }));

  it('logs a client’s bad body at warn, without a stack, and nothing at error', () =>
    cluster.withLogs(async () => {
      const broker = cluster.brokers[0];
      const bodies: Array<[string, string | Buffer]> = [
        ['a constructor key', '{"task_name":"x","task_type":"default","payload":{"constructor":{"prototype":{}}}}'],
        ['invalid UTF-8', Buffer.concat([Buffer.from('{"task_name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])],
        ['too deep', '{"task_name":"x","task_type":"default","payload":' + '{"a":'.repeat(100) + '1' + '}'.repeat(101)],
      ];
      for (const [what, body] of bodies) {
        const res = await apiFetch(`${broker.url}/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `bad-body-${what.replace(/\W/g, '-')}` },
          body: typeof body === 'string' ? body : new Uint8Array(body),
        });
        expect({ what, status: res.status }).toEqual({ what, status: 400 });
      }
      await waitForLine(broker, 'the last bad body’s line', (line) => line.requestId === 'bad-body-too-deep');
      const lines = logLines(broker).filter((line) => String(line.requestId).startsWith('bad-body-'));
      for (const line of lines) {
        expect(line).toMatchObject({ level: 'warn', context: 'http', status: 400, method: 'POST', path: '/tasks' });
        expect(line).not.toHaveProperty('stack');
      }
      expect(logLines(broker).filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
    }));

  it('logs a rebalance, each retry, each handler failure and a dead-lettering with task, queue, consumer', () =>
    cluster.withLogs(async () => {
      const broker = cluster.brokers[0];
      const consumer = cluster.consumers[0];
      const { status, body } = await postJson<{ id: string }>(`${broker.url}/tasks`, {
        task_name: 'logs-fail',
        task_type: 'fail',
        binding_key: 'default',
        max_retries: 1,
        payload: { message: 'smtp is down' },
      });
      expect(status).toBe(201);
      const taskId = body.id;
      await waitFor(
        `task ${taskId} to be dead-lettered`,
        async () => {
          const res = await apiFetch(`${broker.url}/tasks/${taskId}`);
          return ((await res.json()) as { status: string }).status === TaskStatus.DeadLettered;
        },
        20_000,
      );
      const consumerId = logLines(broker)
        .map((line) => (line.consumerIds as string[] | undefined)?.[0])
        .find(Boolean);
      expect(logLines(broker)).toContainEqual(
        expect.objectContaining({
          level: 'log',
          message: expect.stringMatching(/^rebalance: 1 of 1 queues/),
          owners: { default: consumerId },
        }),
      );
      const ids = { taskId, queue: 'default', consumerId };
      await waitForLine(
        broker,
        'the dead-lettering line',
        (l) => l.taskId === taskId && /dead letters/.test(l.message),
      );
      const brokerLines = logLines(broker).filter((line) => line.taskId === taskId);
      expect(brokerLines).toEqual([
        expect.objectContaining({
          ...ids,
          level: 'warn',
          attempt: 1,
          message: expect.stringMatching(/failed; retrying in \d+ ms/),
        }),
        expect.objectContaining({
          ...ids,
          level: 'warn',
          attempt: 2,
          message: expect.stringMatching(/moved to the dead letters/),
        }),
      ]);
      expect(brokerLines[0].error).toMatch(/smtp is down/);
      const consumerLines = logLines(consumer).filter((line) => line.taskId === taskId);
      expect(consumerLines).toEqual([
        expect.objectContaining({ ...ids, level: 'warn', taskType: 'fail', attempt: 1, outcome: 'failed' }),
        expect.objectContaining({ ...ids, level: 'warn', taskType: 'fail', attempt: 2, outcome: 'failed' }),
      ]);
      expect(consumerLines[0].message).toMatch(/smtp is down/);
    }));

  it('never writes a key, a consumer secret or a signing key', () =>
    cluster.withLogs(async () => {
      const broker = cluster.brokers[0];
      const wrong = `tq_${'w'.repeat(40)}`;
      const res = await fetch(`${broker.url}/tasks`, { headers: { authorization: `Bearer ${wrong}` } });
      expect(res.status).toBe(401);
      await waitForLine(broker, 'the 401 line', (line) => line.status === 401);
      const all = cluster.all.map((app) => readFileSync(app.logFile, 'utf8')).join('\n');
      for (const secret of [...Object.values(SYSTEM_KEYS), wrong]) expect(all).not.toContain(secret);
    }));
});
