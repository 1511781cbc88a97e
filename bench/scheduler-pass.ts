/**
 * Measures one scheduler pass over 100,000 due tasks and one cleanup pass over the same 100,000 once
 * they are completed and past retention, through the real services on a real Redis, under a fresh
 * prefix that is deleted at the end. Prints seconds and peak memory; asserts nothing.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/scheduler-pass.ts [count] [--live-heap]
 *
 * The peak heap includes garbage V8 has not collected yet; `--live-heap` also forces a GC every
 * 250 ms during each pass and reports the largest heap left, what the pass really holds (slower).
 */
import { Clock, ManualClock, newTask, retentionMs, taskToHash, TTL_SLACK_MS } from '@app/common';
import { createRedisClient, queueScript, RedisKeys, StoreMode, storeTaskScript } from '@app/redis';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { unlinkPrefix } from './lib/prefix';

// A forced GC before and after each pass separates what a pass keeps from garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const args = process.argv.slice(2);
const COUNT = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 100_000);
const LIVE_HEAP = args.includes('--live-heap');
const CHUNK = 5_000;
const DAY_MS = 86_400_000;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `tqbench-${randomBytes(4).toString('hex')}`;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Runs `work` while sampling memory every 10 ms; returns its result, seconds, the peaks, and the heap
 * used before it and after it once garbage is collected.
 */
async function measure<T>(work: () => Promise<T>) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const peak = { rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed };
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peak.rss = Math.max(peak.rss, rss);
    peak.heapUsed = Math.max(peak.heapUsed, heapUsed);
  };
  let live = 0;
  const timer = setInterval(sample, 10);
  const liveTimer = LIVE_HEAP
    ? setInterval(() => {
        gc();
        live = Math.max(live, process.memoryUsage().heapUsed);
      }, 250)
    : undefined;
  const started = process.hrtime.bigint();
  try {
    const result = await work();
    sample();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    gc();
    return { result, seconds, peak, live, before, after: process.memoryUsage().heapUsed };
  } finally {
    clearInterval(timer);
    clearInterval(liveTimer);
  }
}

function report(what: string, run: Awaited<ReturnType<typeof measure>>, counts: object): void {
  console.log(
    `${what}: ${run.seconds.toFixed(2)} s; peak rss ${mb(run.peak.rss)}; heap used ${mb(run.before)} before, ` +
      `peak ${mb(run.peak.heapUsed)}, ${mb(run.after)} after GC` +
      (LIVE_HEAP ? `, at most ${mb(run.live)} live during the pass` : '') +
      `; ${JSON.stringify(counts)}`,
  );
}

async function main(): Promise<void> {
  // The app reads its environment when its module is imported, so the prefix is set first.
  process.env.REDIS_URL = redisUrl;
  process.env.REDIS_PREFIX = prefix;
  process.env.LOG_LEVEL = 'error';
  // The passes are called in-process, not over HTTP: no request is served, so no key is needed.
  process.env.AUTH = 'off';
  const { AppModule } = await import('../apps/task-dispatcher/src/app.module');
  const { SchedulerService } = await import('../apps/task-dispatcher/src/scheduler/scheduler.service');
  const { CleanupService } = await import('../apps/task-dispatcher/src/cleanup/cleanup.service');

  const now = Date.now();
  const completedAt = now - retentionMs(30) - DAY_MS;
  const clock = new ManualClock(completedAt);
  const keys = new RedisKeys(prefix);
  const redis = createRedisClient(redisUrl, [storeTaskScript]);
  const app = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  app.useLogger(['error']);
  await app.init();
  for (const job of app.get(SchedulerRegistry).getCronJobs().values()) void job.stop();

  try {
    const created = await measure(async () => {
      for (let start = 0; start < COUNT; start += CHUNK) {
        const pipeline = redis.pipeline();
        for (let i = start; i < Math.min(start + CHUNK, COUNT); i++) {
          const task = newTask(
            {
              id: `bench-${i}`,
              task_name: `bench ${i}`,
              task_type: 'bench',
              scheduled_time: new Date(completedAt - (i % 600) * 1000).toISOString(),
            },
            completedAt - DAY_MS,
          );
          pipeline.hset(keys.task(task.id), { ...taskToHash(task), status: 'dispatched', delivery_id: `d-${i}` });
          queueScript(
            pipeline,
            storeTaskScript,
            [keys.task(task.id), keys.scheduledIndex, keys.completeIndex],
            [completedAt - DAY_MS, retentionMs(30) + TTL_SLACK_MS, StoreMode.StoreOnly, '', '', `d-${i}`],
          );
        }
        await pipeline.exec();
      }
      return redis.zcard(keys.scheduledIndex);
    });
    console.log(`stored ${created.result} due tasks under ${prefix} in ${created.seconds.toFixed(2)} s`);

    const scheduled = await measure(() => app.get(SchedulerService).runPass());
    const { duration_ms: _s, ...schedulerCounts } = scheduled.result;
    report('scheduler pass', scheduled, schedulerCounts);

    // The same tasks, now a day past the retention period.
    clock.set(now);
    const cleaned = await measure(() => app.get(CleanupService).runPass());
    const { duration_ms: _c, ...cleanupCounts } = cleaned.result;
    report('cleanup pass', cleaned, cleanupCounts);
  } finally {
    await app.close();
    await unlinkPrefix(redis, prefix);
    await redis.quit();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
