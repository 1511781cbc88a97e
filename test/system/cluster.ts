import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { deleteKeys, eventually, freePort } from '../support';

export type AppName = 'broker' | 'consumer' | 'producer' | 'task-dispatcher';

const ROOT = path.resolve(__dirname, '..', '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** How long a process may take to answer /health, and to exit after SIGTERM. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * Settings that make retries, recoveries and rebalancing happen within a test, and keep the
 * task-dispatcher's crons from firing by themselves (Jan 1st, midnight) and its wake-ups off:
 * passes run only when a test calls POST /scheduler/run or /cleanup/run.
 */
export const FAST_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  ACK_TIMEOUT_MS: '1500',
  DELIVERY_TIMEOUT_MS: '1000',
  HEARTBEAT_INTERVAL_MS: '300',
  BACKOFF_BASE_MS: '20',
  BACKOFF_FACTOR: '2',
  BACKOFF_CAP_MS: '200',
  DISPATCH_POLL_MS: '10',
  ACK_FLUSH_MS: '2',
  SCHEDULER_CRON: '0 0 0 1 1 *',
  CLEANUP_CRON: '0 0 0 1 1 *',
  SCHEDULER_MAX_BATCHES: '100000',
  SCHEDULER_WAKE_MS: '0',
  BROKER_TIMEOUT_MS: '5000',
  SUBMIT_MAX_RETRIES: '20',
};

/**
 * The system runs with keys on, as deployed: the test itself calls with the operator key (every
 * scope, so stand-in consumers can register too), consumers and producers with keys of their own,
 * and the broker signs its pushes.
 */
export const SYSTEM_KEYS = {
  operator: 'o'.repeat(40),
  consumers: 'c'.repeat(40),
  producers: 'p'.repeat(40),
  signing: 'g'.repeat(40),
};
const API_KEYS = [
  `operator:submit+read+admin+consumer:${SYSTEM_KEYS.operator}`,
  `consumers:consumer:${SYSTEM_KEYS.consumers}`,
  `producers:submit:${SYSTEM_KEYS.producers}`,
].join(';');
/** The header a test's own requests carry. */
export const OPERATOR_AUTH = { authorization: `Bearer ${SYSTEM_KEYS.operator}` };

/** fetch with the operator key (a test's own request headers win). */
export function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...OPERATOR_AUTH, ...(init.headers as Record<string, string> | undefined) },
  });
}

/** Six queues, so that with three consumers each owns two and a fourth consumer gets one of its own. */
export const SYSTEM_QUEUES = ['default', 'email', 'report', 'sms', 'video', 'billing'];

/** A fresh key prefix under the run's prefix (TEST_RUN_PREFIX, set by scripts/test.js). */
export function systemPrefix(label = 'system'): string {
  const run = process.env.TEST_RUN_PREFIX ?? `tqsys-${randomBytes(3).toString('hex')}`;
  return `${run}-${label}-${randomBytes(3).toString('hex')}`;
}

export function redisClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false });
}

export { deleteKeys as deletePrefix, freePort };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns something other than undefined/false; fails naming `what` after `timeoutMs`. */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  return eventually(check, timeoutMs, what, everyMs);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
// Whatever ends this process (a crash, Ctrl-C, jest's forced exit), its children go with it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One built app running as a child process, its output appended to a log file. */
export class AppProcess {
  private child?: ChildProcess;
  private exited?: Promise<Exit>;
  private stopping = false;
  /** Every exit so far, in order. */
  readonly exits: Exit[] = [];
  /** Exits nobody here asked for: a crash, or a signal from outside the test (another session's cleanup). */
  readonly unexpectedExits: Array<Exit & { at: string }> = [];
  starts = 0;

  constructor(
    readonly label: string,
    readonly app: AppName,
    readonly port: number,
    readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the app (not waiting for it to be healthy). */
  spawn(): void {
    if (this.running) throw new Error(`${this.label} is already running`);
    const main = path.join(ROOT, 'dist', 'apps', this.app, 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` before the system tests`);
    const fd = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.starts++;
    this.stopping = false;
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        const exit = { code, signal };
        this.exits.push(exit);
        if (!this.stopping) this.unexpectedExits.push({ ...exit, at: new Date().toISOString() });
        resolve(exit);
      }),
    );
  }

  async start(): Promise<void> {
    this.spawn();
    await this.waitHealthy();
  }

  async waitHealthy(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    await waitFor(
      `${this.label} (${this.url}) to answer /health`,
      async () => {
        if (!this.running)
          throw new Error(`${this.label} exited: ${JSON.stringify(this.exits.at(-1))}\n${this.tail(30)}`);
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        return res.ok;
      },
      timeoutMs,
      100,
    );
  }

  /**
   * Sends a signal and waits for the exit; after SIGTERM, a process still alive at the timeout is SIGKILLed and
   * reported.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS): Promise<Exit & { hung: boolean }> {
    if (!this.running) return { ...(this.exits.at(-1) ?? { code: null, signal: null }), hung: false };
    this.stopping = true;
    this.child!.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.exited!, timedOut]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return { ...outcome, hung: false };
    this.child!.kill('SIGKILL');
    return { ...(await this.exited!), hung: true };
  }

  kill(): Promise<Exit & { hung: boolean }> {
    return this.stop('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop('SIGTERM');
    await this.start();
  }

  /** The last lines of its log. */
  tail(lines = 20): string {
    try {
      const text = readFileSync(this.logFile, 'utf8').trimEnd();
      return text.split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export interface ClusterOptions {
  prefix: string;
  brokers?: number;
  consumers?: number;
  dispatchers?: number;
  producers?: number;
  /** Extra environment for every app. */
  env?: Record<string, string>;
  queues?: string[];
}

/**
 * The built apps as child processes on free ports against the shared Redis under one key prefix:
 * brokers, consumers (consumer i talks to broker i mod N and advertises its own URL),
 * task-dispatchers and producers (producer i talks to broker i mod N).
 */
export class Cluster {
  readonly brokers: AppProcess[] = [];
  readonly consumers: AppProcess[] = [];
  readonly dispatchers: AppProcess[] = [];
  readonly producers: AppProcess[] = [];
  readonly logDir: string;
  readonly queues: string[];

  private constructor(readonly options: ClusterOptions) {
    this.logDir = mkdtempSync(path.join(tmpdir(), 'tq-system-'));
    this.queues = options.queues ?? SYSTEM_QUEUES;
  }

  get prefix(): string {
    return this.options.prefix;
  }

  get all(): AppProcess[] {
    return [...this.brokers, ...this.consumers, ...this.dispatchers, ...this.producers];
  }

  /** The URLs of the brokers running now, for a load that follows brokers being killed and restarted. */
  runningBrokerUrls(): string[] {
    return this.brokers.filter((b) => b.running).map((b) => b.url);
  }

  /** Starts the brokers first (they declare the queues), then everything else at once. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    const base = {
      ...FAST_ENV,
      REDIS_URL,
      REDIS_PREFIX: options.prefix,
      QUEUES: cluster.queues.map((q) => `${q}:${q}:100000`).join(';'),
      API_KEYS,
      DELIVERY_SIGNING_KEYS: SYSTEM_KEYS.signing,
      ...options.env,
    };
    const make = async (app: AppName, label: string, env: Record<string, string> = {}) => {
      const port = await freePort();
      return new AppProcess(label, app, port, { ...base, ...env }, path.join(cluster.logDir, `${label}.log`));
    };
    for (let i = 0; i < (options.brokers ?? 1); i++) cluster.brokers.push(await make('broker', `broker-${i + 1}`));
    const brokerFor = (i: number) => cluster.brokers[i % cluster.brokers.length].url;
    for (let i = 0; i < (options.consumers ?? 1); i++) {
      const consumer = await make('consumer', `consumer-${i + 1}`, {
        BROKER_URL: brokerFor(i),
        BROKER_API_KEY: SYSTEM_KEYS.consumers,
      });
      consumer.env.ADVERTISED_URL = consumer.url;
      cluster.consumers.push(consumer);
    }
    for (let i = 0; i < (options.dispatchers ?? 1); i++)
      cluster.dispatchers.push(await make('task-dispatcher', `task-dispatcher-${i + 1}`));
    for (let i = 0; i < (options.producers ?? 1); i++) {
      cluster.producers.push(
        await make('producer', `producer-${i + 1}`, {
          BROKER_URL: brokerFor(i),
          PRODUCER_NAME: `producer-${i + 1}`,
          BROKER_API_KEY: SYSTEM_KEYS.producers,
        }),
      );
    }
    try {
      await Promise.all(cluster.brokers.map((b) => b.start()));
      await Promise.all([...cluster.consumers, ...cluster.dispatchers, ...cluster.producers].map((p) => p.start()));
      await cluster.waitForConsumers();
    } catch (error) {
      await cluster.stopAll();
      throw error;
    }
    return cluster;
  }

  /** Waits until every running consumer is registered and alive in the brokers' shared view. */
  async waitForConsumers(timeoutMs = 30_000): Promise<void> {
    const broker = this.brokers.find((b) => b.running);
    if (!broker) return;
    const expected = this.consumers.filter((c) => c.running).map((c) => c.url);
    await waitFor(
      `consumers ${expected.join(', ')} to be registered`,
      async () => {
        const res = await apiFetch(`${broker.url}/consumers?limit=1000`, { signal: AbortSignal.timeout(2_000) });
        const listed = ((await res.json()) as { items: Array<{ url: string }> }).items.map((c) => c.url);
        return expected.every((url) => listed.includes(url));
      },
      timeoutMs,
      100,
    );
  }

  /** Starts whatever is not running (brokers first), so a case begins with the whole cluster up. */
  async ensureRunning(): Promise<void> {
    await Promise.all(this.brokers.filter((b) => !b.running).map((b) => b.start()));
    await Promise.all(
      [...this.consumers, ...this.dispatchers, ...this.producers].filter((p) => !p.running).map((p) => p.start()),
    );
    await this.waitForConsumers();
  }

  /** Stops every process (SIGTERM, then SIGKILL for any that hang), ignoring those already down. */
  async stopAll(
    signal: NodeJS.Signals = 'SIGTERM',
    timeoutMs = STOP_TIMEOUT_MS,
  ): Promise<Map<string, Exit & { hung: boolean }>> {
    const exits = await Promise.all(this.all.map(async (p) => [p.label, await p.stop(signal, timeoutMs)] as const));
    return new Map(exits);
  }

  /** The tail of every process's log, for a failing test's message. */
  logTails(lines = 15): string {
    return this.all
      .map((p) => {
        const state = p.running ? 'running' : `exited ${JSON.stringify(p.exits.at(-1))}`;
        return `--- ${p.label} (${p.url}, ${state}, log ${p.logFile})\n${p.tail(lines)}`;
      })
      .join('\n');
  }

  /** Runs a test body; if it throws, the error carries the tail of every process's log. */
  async withLogs<T>(body: () => Promise<T>): Promise<T> {
    const seen = this.all.map((p) => p.unexpectedExits.length);
    try {
      const result = await body();
      // A process that died by itself (or was killed from outside) makes the case fail even if its checks passed.
      if (this.all.some((p, i) => p.unexpectedExits.length > seen[i]))
        throw new Error('a process exited during the case without being stopped');
      return result;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      const unexpected = this.all.flatMap((p) =>
        p.unexpectedExits.map((e) => `${p.label} exited at ${e.at} (code ${e.code}, signal ${e.signal})`),
      );
      if (unexpected.length) {
        err.message =
          'NOTE: processes exited without this test stopping them (a crash, or a signal from outside):\n  ' +
          `${unexpected.join('\n  ')}\n\n${err.message}`;
      }
      err.message = `${err.message}\n\nProcess logs (tails; full logs in ${this.logDir}):\n${this.logTails()}`;
      throw err;
    }
  }
}

/**
 * POSTs JSON with the operator key and a timeout, and returns status and parsed body (text when not JSON).
 * `Reply` is what the caller expects back, unchecked; tests leave it `any`, as supertest's `res.body` is.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a reply of any shape, read by assertions
export async function postJson<Reply = any>(
  url: string,
  body: unknown,
  timeoutMs = 30_000,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Reply }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...OPERATOR_AUTH, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as Reply };
}
