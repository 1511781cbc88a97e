import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import { BenchTask, chunks, paced, percentiles, Percentiles, pool, waitUntil } from './load';
import { cpuSecondsOf, memoryOf, spawnTracked, Started, stop } from './processes';
import type { Throughput } from './ours';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { redisConnection } = require('../redis-connection') as {
  redisConnection: (url: string) => Record<string, unknown>;
};

const QUEUE = 'bench';
/** The same TTL our consumer gives a stored task that is already due: 30 days' retention plus a day. */
const TTL_MS = 31 * 86_400_000;

/**
 * The same work through BullMQ 6.7: a Queue in this process (addBulk / add) and a Worker at
 * concurrency 100 in its own process that stores each job with SET key JSON PX. Completed jobs are
 * removed (removeOnComplete), as our queues drop a task once acked; the stored record stays.
 */
export class BullSystem {
  private completed = 0;

  private constructor(
    private readonly queue: Queue,
    private readonly worker: Started,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    worker.child.on('message', (message: { completed?: number }) => {
      if (message.completed !== undefined) this.completed = message.completed;
    });
  }

  static async start(redisUrl: string, prefix: string, redis: Redis, concurrency = 100): Promise<BullSystem> {
    const queue = new Queue(QUEUE, {
      connection: redisConnection(redisUrl),
      prefix,
      defaultJobOptions: { removeOnComplete: true },
    });
    await queue.waitUntilReady();
    const worker = spawnTracked('bullmq-worker', process.execPath, [join(__dirname, '..', 'bullmq-worker.js')], {
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        BULL_PREFIX: prefix,
        BULL_QUEUE: QUEUE,
        CONCURRENCY: String(concurrency),
        TTL_MS: String(TTL_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      worker.child.on('message', (message: { ready?: boolean }) => message.ready && resolve());
      worker.child.once('exit', (code) =>
        reject(new Error(`the BullMQ worker exited (${code}):\n  ${worker.tail.join('\n  ')}`)),
      );
    });
    return new BullSystem(queue, worker, redis, prefix);
  }

  async throughput(tasks: BenchTask[], batch: number, concurrency: number): Promise<Throughput> {
    const target = this.completed + tasks.length;
    const started = performance.now();
    if (batch > 1) {
      await pool(chunks(tasks, batch), concurrency, async (group) => {
        await this.queue.addBulk(group.map((task) => ({ name: task.task_type, data: task, opts: { jobId: task.id } })));
      });
    } else {
      await pool(tasks, concurrency, async (task) => {
        await this.queue.add(task.task_type, task, { jobId: task.id });
      });
    }
    const accepted = performance.now();
    await this.waitCompleted(target);
    const seconds = (performance.now() - started) / 1000;
    return {
      tasks: tasks.length,
      acceptSeconds: (accepted - started) / 1000,
      seconds,
      perSecond: tasks.length / seconds,
    };
  }

  /** Adds jobs at `rate`/s; accept->stored from job.timestamp (set at add) to the worker's store time. */
  /** Jobs at `rate` per second, one per add, or `batch` per addBulk. */
  async latency(tasks: BenchTask[], rate: number, batch = 1): Promise<Percentiles & { lagMs: number }> {
    const target = this.completed + tasks.length;
    const { lagMs } =
      batch === 1
        ? await paced(tasks, rate, async (task) => {
            await this.queue.add(task.task_type, task, { jobId: task.id });
          })
        : await paced(chunks(tasks, batch), rate / batch, async (group) => {
            await this.queue.addBulk(
              group.map((task) => ({ name: task.task_type, data: task, opts: { jobId: task.id } })),
            );
          });
    await this.waitCompleted(target);
    const latencies: number[] = [];
    for (const group of chunks(tasks, 1_000)) {
      const records = await this.redis.mget(group.map((task) => `${this.prefix}:store:${task.id}`));
      for (const record of records) {
        if (!record) throw new Error('a paced BullMQ job was not stored');
        const { created_time, stored_time } = JSON.parse(record) as { created_time: number; stored_time: number };
        latencies.push(stored_time - created_time);
      }
    }
    return { ...percentiles(latencies), lagMs };
  }

  /** The same tasks as delayed jobs (delay = scheduled_time - now); start delay = processedOn - (timestamp + delay). */
  async startDelay(tasks: BenchTask[]): Promise<Percentiles> {
    const target = this.completed + tasks.length;
    for (const group of chunks(tasks, 500)) {
      const now = Date.now();
      await this.queue.addBulk(
        group.map((task) => ({
          name: task.task_type,
          data: task,
          opts: { jobId: task.id, delay: Math.max(0, Date.parse(task.scheduled_time) - now) },
        })),
      );
    }
    await this.waitCompleted(target);
    const delays: number[] = [];
    for (const group of chunks(tasks, 1_000)) {
      for (const record of await this.redis.mget(group.map((task) => `${this.prefix}:store:${task.id}`))) {
        if (!record) throw new Error('a delayed BullMQ job was not stored');
        const { processed_on, created_time, delay } = JSON.parse(record) as {
          processed_on: number;
          created_time: number;
          delay: number;
        };
        delays.push(processed_on - (created_time + delay));
      }
    }
    return percentiles(delays);
  }

  private waitCompleted(target: number): Promise<void> {
    return waitUntil(
      () => this.completed >= target,
      180_000,
      () => `${this.completed} completed, expected ${target}`,
    );
  }

  memory(): { rss: number; hwm: number } | undefined {
    return memoryOf(this.worker.child.pid);
  }

  cpuSeconds(): Record<string, number> {
    return { 'bullmq-worker': cpuSecondsOf(this.worker.child.pid) };
  }

  async stop(): Promise<void> {
    if (this.worker.child.connected) this.worker.child.send({ stop: true });
    await stop(this.worker);
    await this.queue.close();
  }
}

/**
 * BullMQ's nearest equivalents of our scheduler and cleanup passes: promoting `count` due delayed
 * jobs to wait (promoteJobs), then deleting them (clean), timed; under its own queue, cleaned after.
 */
export async function bullPasses(
  redisUrl: string,
  prefix: string,
  count: number,
): Promise<{ schedulerSeconds: number; cleanupSeconds: number }> {
  const queue = new Queue('passes', { connection: redisConnection(redisUrl), prefix });
  try {
    await queue.waitUntilReady();
    for (const group of chunks(
      Array.from({ length: count }, (_, i) => i),
      1_000,
    )) {
      await queue.addBulk(group.map((i) => ({ name: 'due', data: { n: i }, opts: { jobId: `due-${i}`, delay: 1 } })));
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    let started = performance.now();
    await queue.promoteJobs({ count: 1_000 });
    const schedulerSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let removed = 0;
    while (removed < count) {
      const batch = await queue.clean(0, 1_000, 'wait');
      if (batch.length === 0) break;
      removed += batch.length;
    }
    const cleanupSeconds = (performance.now() - started) / 1000;
    if (removed !== count) throw new Error(`BullMQ clean removed ${removed} of ${count} jobs`);
    return { schedulerSeconds, cleanupSeconds };
  } finally {
    await queue.close();
  }
}
