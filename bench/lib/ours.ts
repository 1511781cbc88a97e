import { RedisKeys } from '@app/redis';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BENCH_AUTH,
  BENCH_KEYS_ENV,
  BenchTask,
  chunks,
  paced,
  percentiles,
  Percentiles,
  pool,
  submit,
  TASK_TYPES,
  waitUntil,
} from './load';
import { cpuSecondsOf, freePort, memoryOf, spawnTracked, Started, stop, waitHealthy } from './processes';

export const ROOT = join(__dirname, '..', '..');
/** One queue per task type, so each of the three consumers owns one (queues go round-robin). */
export const BENCH_QUEUES = TASK_TYPES.map((type) => `bench-${type}`);
const QUEUES_SETTING = TASK_TYPES.map((type) => `bench-${type}:${type}:1000000`).join(';');

export interface Throughput {
  tasks: number;
  /** First submit to last 2xx. */
  acceptSeconds: number;
  /** First submit to last task stored and acked. */
  seconds: number;
  perSecond: number;
}

export interface SystemOptions {
  redisUrl: string;
  prefix: string;
  consumers: number;
  taskDispatcher: boolean;
  /** Where broker and consumers write a V8 CPU profile at exit; none when undefined. */
  cpuProfDir?: string;
}

/** Our system as separate processes: one broker, n consumers, optionally a task-dispatcher. */
export class OurSystem {
  readonly keys: RedisKeys;
  private constructor(
    readonly apps: Array<Started & { url: string }>,
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new RedisKeys(prefix);
  }

  get brokerUrl(): string {
    return this.apps[0].url;
  }

  static async start(options: SystemOptions, redis: Redis): Promise<OurSystem> {
    const env = {
      ...process.env,
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.prefix,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...BENCH_KEYS_ENV,
    };
    const launch = async (app: string, label: string, extra: Record<string, string>, profile: boolean) => {
      const port = await freePort();
      const args =
        profile && options.cpuProfDir
          ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${label}.cpuprofile`]
          : [];
      const started = spawnTracked(label, process.execPath, [...args, join(ROOT, 'dist', 'apps', app, 'main.js')], {
        cwd: ROOT,
        env: { ...env, PORT: String(port), ...extra },
      });
      return { ...started, url: `http://127.0.0.1:${port}` };
    };
    const broker = await launch('broker', 'broker', { QUEUES: QUEUES_SETTING }, true);
    const system = new OurSystem([broker], redis, options.prefix);
    await waitHealthy(broker, broker.url);
    // Consumers one by one, so their registration order (the round-robin order) is theirs by name.
    for (let i = 1; i <= options.consumers; i++) {
      const consumer = await launch('consumer', `consumer-${i}`, { BROKER_URL: broker.url }, true);
      system.apps.push(consumer);
      await waitHealthy(consumer, consumer.url);
    }
    if (options.taskDispatcher) {
      const dispatcher = await launch('task-dispatcher', 'task-dispatcher', {}, false);
      system.apps.push(dispatcher);
      await waitHealthy(dispatcher, dispatcher.url);
    }
    if (options.consumers > 0) await system.waitAssigned(options.consumers);
    return system;
  }

  /** Until every queue has an owner, spread over `consumers` consumers, and they heard of it. */
  private async waitAssigned(consumers: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const queues = (
        (await (await fetch(`${this.brokerUrl}/queues?limit=1000`, { headers: BENCH_AUTH })).json()) as {
          items: Array<{ name: string; consumer: string | null }>;
        }
      ).items;
      const owners = queues.filter((q) => BENCH_QUEUES.includes(q.name)).map((q) => q.consumer);
      if (
        owners.length === BENCH_QUEUES.length &&
        owners.every(Boolean) &&
        new Set(owners).size === Math.min(consumers, BENCH_QUEUES.length)
      )
        break;
      if (Date.now() > deadline)
        throw new Error(`queues not assigned to ${consumers} consumers: ${JSON.stringify(queues)}`);
      await sleep(200);
    }
    // Each consumer learns its queues from its next heartbeat (every 2 s).
    await sleep(2_500);
  }

  async counts(): Promise<{ stored: number; queued: number }> {
    const pipeline = this.redis.pipeline().zcard(this.keys.scheduledIndex);
    for (const queue of BENCH_QUEUES) {
      pipeline
        .zcard(this.keys.queuePending(queue))
        .zcard(this.keys.queueInflight(queue))
        .zcard(this.keys.queueDelayed(queue));
    }
    const [stored, ...queued] = ((await pipeline.exec()) ?? []).map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    return { stored, queued: queued.reduce((a, b) => a + b, 0) };
  }

  /** Submits `tasks` (in bulk when batch > 1) and waits for each to be stored and acked. */
  async throughput(tasks: BenchTask[], batch: number, concurrency: number): Promise<Throughput> {
    const before = await this.counts();
    const target = before.stored + tasks.length;
    const started = performance.now();
    if (batch > 1)
      await pool(chunks(tasks, batch), concurrency, (group) => submit(`${this.brokerUrl}/tasks/bulk`, group));
    else await pool(tasks, concurrency, (task) => submit(`${this.brokerUrl}/tasks`, task));
    const accepted = performance.now();
    await this.waitStored(target);
    const seconds = (performance.now() - started) / 1000;
    return {
      tasks: tasks.length,
      acceptSeconds: (accepted - started) / 1000,
      seconds,
      perSecond: tasks.length / seconds,
    };
  }

  /** Sends single-task requests at `rate`/s; accept->stored from each task's created_time and stored_time. */
  /** Tasks at `rate` per second, one per POST /tasks, or `batch` per POST /tasks/bulk. */
  async latency(tasks: BenchTask[], rate: number, batch = 1): Promise<Percentiles & { lagMs: number }> {
    const target = (await this.counts()).stored + tasks.length;
    const { lagMs } =
      batch === 1
        ? await paced(tasks, rate, (task) => submit(`${this.brokerUrl}/tasks`, task))
        : await paced(chunks(tasks, batch), rate / batch, (group) => submit(`${this.brokerUrl}/tasks/bulk`, group));
    await this.waitStored(target);
    const latencies: number[] = [];
    for (const group of chunks(tasks, 1_000)) {
      const pipeline = this.redis.pipeline();
      for (const task of group) pipeline.hmget(this.keys.task(task.id), 'created_time', 'stored_time');
      for (const [error, value] of (await pipeline.exec()) ?? []) {
        const [created, stored] = (value as string[] | null) ?? [];
        if (error || !created || !stored)
          throw new Error(`a paced task has no created_time/stored_time: ${error?.message ?? JSON.stringify(value)}`);
        latencies.push(Number(stored) - Number(created));
      }
    }
    return { ...percentiles(latencies), lagMs };
  }

  /**
   * Submits tasks due later (makeDueTasks) and waits until each has run; returns handler start minus
   * scheduled_time, from each task's first run.
   */
  async startDelay(tasks: BenchTask[]): Promise<Percentiles> {
    for (const group of chunks(tasks, 500)) await submit(`${this.brokerUrl}/tasks/bulk`, group);
    const ids = tasks.map((task) => task.id);
    const runsOf = async () => {
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hmget(this.keys.task(id), 'status', 'runs', 'scheduled_time');
      return ((await pipeline.exec()) ?? []).map(([, value]) => value as (string | null)[]);
    };
    let read: (string | null)[][] = [];
    await waitUntil(
      async () => (read = await runsOf()).every(([status]) => status === 'complete'),
      180_000,
      () => `${read.filter(([status]) => status === 'complete').length} of ${ids.length} complete`,
    );
    const delays = read.map(([, runs]) => {
      const [first] = JSON.parse(runs ?? '[]') as Array<{ started: number }>;
      return first.started;
    });
    return percentiles(delays.map((started, i) => started - Date.parse(tasks[i].scheduled_time)));
  }

  private waitStored(target: number): Promise<void> {
    return waitUntil(
      async () => {
        const { stored, queued } = await this.counts();
        return stored >= target && queued === 0;
      },
      180_000,
      async () => `${JSON.stringify(await this.counts())}, expected ${target} stored`,
    );
  }

  /** Peak and current RSS of each app, by name. */
  memory(): Record<string, { rss: number; hwm: number } | undefined> {
    return Object.fromEntries(this.apps.map((app) => [app.name, memoryOf(app.child.pid)]));
  }

  /** CPU seconds each app has used so far, by name. */
  cpuSeconds(): Record<string, number> {
    return Object.fromEntries(this.apps.map((app) => [app.name, cpuSecondsOf(app.child.pid)]));
  }

  /** Consumers and the task-dispatcher first (consumers deregister from the broker), the broker last. */
  async stop(): Promise<void> {
    await Promise.all(this.apps.slice(1).map((app) => stop(app)));
    await stop(this.apps[0]);
  }
}
