import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { deleteKeys, testRedis } from '../../../test/helpers';
import { StandInBroker } from './stand-in-broker';

const root = join(__dirname, '..', '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI exactly as `npm run produce` does, without npm in between. Async: the broker lives in this process. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(
    process.execPath,
    [
      require.resolve('ts-node/dist/bin.js'),
      '-r',
      'tsconfig-paths/register',
      '--transpile-only',
      'apps/producer/src/cli.ts',
      ...args,
    ],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run produce (the CLI)', () => {
  const broker = new StandInBroker();

  beforeAll(async () => {
    await broker.start();
  });

  afterEach(() => broker.reset());

  afterAll(async () => {
    await broker.stop();
    // The CLI touches no Redis; this only keeps the promise that every e2e file cleans its prefix.
    const redis = testRedis();
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  it('produces every task, shows progress and ends with the summary and exit 0', async () => {
    const run = await runCli([
      '--broker',
      broker.url,
      '--count',
      '250',
      '--concurrency',
      '16',
      '--batch',
      '10',
      '--types',
      'a,b',
      '--priority',
      '0..9',
    ]);
    expect(run.stderr).toContain(`producing 250 tasks to ${broker.url}`);
    expect(run.stderr).toMatch(/100\.0%\s+250\/250\s+[\d,]+ tasks\/s\s+ETA 0s/);
    expect(run.stdout).toMatch(/^\s+sent\s+250$/m);
    expect(run.stdout).toMatch(/^\s+accepted\s+250$/m);
    expect(run.stdout).toMatch(/^\s+failed\s+0$/m);
    expect(run.code).toBe(0);
    expect(broker.tasks.size).toBe(250);
    expect(broker.bulkRequests).toBe(25);
    expect(run.stderr).not.toContain('Warning');
  }, 30_000);

  it('exits 1 with the reasons when tasks are not accepted, and prints JSON on request', async () => {
    broker.refusedTypes.add('nope');
    const run = await runCli(['--broker', broker.url, '--count', '4', '--types', 'default,nope', '--json']);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      sent: 4,
      accepted: 2,
      rejected: 2,
      rejected_reasons: { '400: task_type "nope" is not accepted here': 2 },
    });
  }, 30_000);

  it('exits 2 with a clear message for a bad option, sending nothing', async () => {
    const unknown = await runCli(['--broker', broker.url, '--cuont', '10']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("produce: Unknown option '--cuont'");

    const notNumeric = await runCli(['--broker', broker.url, '--count', 'lots']);
    expect(notNumeric.code).toBe(2);
    expect(notNumeric.stderr).toContain('produce: --count must be a whole number, got "lots"');
    expect(broker.taskRequests).toBe(0);
  }, 30_000);
});
