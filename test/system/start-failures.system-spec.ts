import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { deletePrefix, freePort, redisClient, systemPrefix } from './cluster';

/**
 * A start that fails says why in one line and exits non-zero: the built app alone, and under
 * `npm start`, which names the app. Nothing here stays running: each process exits by itself.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/** Runs a node script to its end (or kills it after `timeoutMs`), its output split in lines. */
function runToExit(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'log', AUTH: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} still running after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
      resolve({ code, stdout: lines(out), stderr: lines(err) });
    });
  });
}

const app = (name: string) => path.join(ROOT, 'dist', 'apps', name, 'main.js');

/** The app's lines at warn or above, as JSON records: a failed start must have exactly one, its fatal line. */
function problems(run: Run): Array<{ level: string; message: string }> {
  return run.stdout
    .map((line) => JSON.parse(line) as { level: string; message: string })
    .filter((record) => ['warn', 'error', 'fatal'].includes(record.level))
    .filter((record) => !record.message.startsWith('AUTH=off')); // the warning every AUTH=off start gives
}

function expectOneLine(run: Run, cause: RegExp): void {
  expect(run.code).not.toBe(0);
  expect(run.code).not.toBeNull();
  expect(run.stderr).toEqual([]);
  const lines = problems(run);
  expect(lines).toEqual([{ ...lines[0], level: 'fatal', message: expect.stringMatching(cause) }]);
}

describe('a failed start says why in one line', () => {
  const prefix = systemPrefix('start');
  afterAll(async () => {
    const redis = redisClient();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  const env = (extra: Record<string, string> = {}) => ({ REDIS_URL, REDIS_PREFIX: prefix, PORT: '0', ...extra });

  it('a bad QUEUES', async () => {
    const run = await runToExit([app('broker')], env({ QUEUES: 'nokeys' }));
    expectOneLine(run, /^Broker failed to start: QUEUES entry "nokeys" is invalid: /);
  });

  it('a queue the declare script refuses (a binding key bound to another queue)', async () => {
    const run = await runToExit([app('broker')], env({ QUEUES: 'first:shared;second:shared' }));
    expectOneLine(run, /^Broker failed to start: .*shared/);
  });

  it('a Redis nobody answers at, named by where it was looked for', async () => {
    const port = await freePort();
    const run = await runToExit([app('task-dispatcher')], env({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    expectOneLine(
      run,
      new RegExp(`^Task dispatcher failed to start: Redis cannot be reached at 127\\.0\\.0\\.1:${port} `),
    );
    expect(run.stdout.join('\n')).not.toContain('[ioredis]');
  });

  it('a port in use', async () => {
    const busy = createServer((socket) => socket.destroy());
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, () => resolve((busy.address() as { port: number }).port)),
    );
    try {
      const run = await runToExit([app('consumer')], env({ PORT: String(port) }));
      expectOneLine(run, new RegExp(`^Consumer failed to start: port ${port} is in use`));
    } finally {
      busy.close();
    }
  });

  it('a bad variable, named with its value', async () => {
    const run = await runToExit([app('producer')], env({ MAX_JSON_DEPTH: 'deep' }));
    expectOneLine(run, /^Producer failed to start: invalid environment: MAX_JSON_DEPTH="deep"/);
  });

  describe('under npm start', () => {
    const ports = async () => ({
      BROKER_PORT: String(await freePort()),
      CONSUMER_PORT: String(await freePort()),
      PRODUCER_PORT: String(await freePort()),
      TASK_DISPATCHER_PORT: String(await freePort()),
    });

    it('names the app that failed and why, and exits non-zero', async () => {
      const run = await runToExit(
        ['scripts/start.js', '--no-build'],
        { ...env({ QUEUES: 'nokeys' }), ...(await ports()) },
        60_000,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContainEqual(
        expect.stringMatching(/^broker failed to start: QUEUES entry "nokeys" is invalid: .*; stopping the system$/),
      );
    }, 70_000);

    it('starts nothing over a port that is taken, and says which', async () => {
      const settings = await ports();
      // Hangs up on whoever connects: taken, and not one of these apps.
      const blocker = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => blocker.listen(Number(settings.BROKER_PORT), '127.0.0.1', resolve));
      try {
        const run = await runToExit(['scripts/start.js', '--no-build'], { ...env(), ...settings });
        expect(run.code).toBe(1);
        expect(run.stderr).toEqual([
          expect.stringMatching(new RegExp(`^ports taken: broker on ${settings.BROKER_PORT} \\(something else\\); `)),
        ]);
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    });
  });
});
