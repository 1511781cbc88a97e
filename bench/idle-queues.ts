/**
 * `npm run bench:idle`: the broker's CPU with many declared queues and no tasks. Starts a broker
 * (dist/apps/broker) with QUEUE_COUNT queues (default 1,000) and one consumer, so every queue has an
 * owner, lets them settle, then reports the broker's CPU over MEASURE_SECONDS as a share of one
 * core. Its own key prefix, deleted at the end (never FLUSHALL); every process it starts is stopped.
 *
 *   npm run bench:idle [-- <queues> <seconds>]
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_AUTH, BENCH_KEYS_ENV } from './lib/load';
import { ROOT } from './lib/ours';
import { unlinkPrefix } from './lib/prefix';
import { cpuSecondsOf, freePort, killAllStarted, spawnTracked, stop, waitHealthy } from './lib/processes';

const QUEUE_COUNT = Number(process.argv[2] ?? 1_000);
const MEASURE_SECONDS = Number(process.argv[3] ?? 30);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `tqbench-idle-${randomBytes(4).toString('hex')}`;

async function main(): Promise<void> {
  const redis = new Redis(redisUrl);
  const env = {
    ...process.env,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...BENCH_KEYS_ENV,
  };
  const queues = Array.from({ length: QUEUE_COUNT }, (_, i) => `idle-${i}:idle-${i}:1000`).join(';');
  const brokerPort = await freePort();
  const brokerUrl = `http://127.0.0.1:${brokerPort}`;
  // IDLE_CPU_PROF=<dir>: the broker writes a V8 CPU profile there (read it with bench/profile-top.js).
  const profile = process.env.IDLE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.IDLE_CPU_PROF}`] : [];
  const broker = spawnTracked(
    'broker',
    process.execPath,
    [...profile, join(ROOT, 'dist', 'apps', 'broker', 'main.js')],
    { cwd: ROOT, env: { ...env, PORT: String(brokerPort), QUEUES: queues } },
  );
  const consumerPort = await freePort();
  const consumer = spawnTracked('consumer', process.execPath, [join(ROOT, 'dist', 'apps', 'consumer', 'main.js')], {
    cwd: ROOT,
    env: { ...env, PORT: String(consumerPort), BROKER_URL: brokerUrl },
  });
  try {
    await waitHealthy(broker, brokerUrl);
    await waitHealthy(consumer, `http://127.0.0.1:${consumerPort}`);
    await sleep(5_000);
    const before = cpuSecondsOf(broker.child.pid);
    await sleep(MEASURE_SECONDS * 1000);
    const used = cpuSecondsOf(broker.child.pid) - before;
    const declared = (
      (await (await fetch(`${brokerUrl}/queues?limit=1000`, { headers: BENCH_AUTH })).json()) as {
        items: Array<{ consumer: string | null }>;
      }
    ).items;
    console.log(
      `broker with ${declared.length} declared queues (${declared.filter((q) => q.consumer).length} owned), ` +
        `no tasks: ${used.toFixed(2)} CPU s in ${MEASURE_SECONDS} s = ` +
        `${((used / MEASURE_SECONDS) * 100).toFixed(1)}% of one core`,
    );
  } finally {
    await stop(consumer);
    await stop(broker);
    await unlinkPrefix(redis, prefix);
    await redis.quit();
  }
}

main().catch((error: Error) => {
  console.error(`bench:idle failed: ${error.stack ?? error.message}`);
  killAllStarted();
  process.exit(1);
});
