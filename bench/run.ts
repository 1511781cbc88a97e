/**
 * `npm run bench`: our system (1 broker, 3 consumers, 1 task-dispatcher, each `node dist/apps/...`)
 * and then BullMQ 6.7 doing the same work on the same Redis, one after the other; prints a table
 * with ours/BullMQ beside each figure and writes bench/results/<timestamp>.json. Everything runs
 * under fresh key prefixes that are deleted at the end (SCAN + UNLINK; never FLUSHALL: the Redis
 * may be shared), and every process started is stopped.
 *
 *   npm run bench [-- --quick] [--cpu-prof] [--only bulk,single,paced,delayed,baseline,flat,passes] [--no-bullmq]
 *
 * --quick       scaled-down counts, a smoke run of a minute or so
 * --cpu-prof    broker and consumers write V8 CPU profiles to bench/profiles/<timestamp>/
 * --only LIST   run only these scenarios
 * --no-bullmq   skip the BullMQ side (no ratios)
 *
 * Tasks are spread over task types a, b, c bound to three queues: queues are owned one consumer
 * each (round-robin), so with a single queue one consumer would do all the storing.
 */
import Redis from 'ioredis';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BullSystem, bullPasses } from './lib/bull';
import { chunks, makeDueTasks, makeTasks, Percentiles, pool, submit } from './lib/load';
import { OurSystem, ROOT, Throughput } from './lib/ours';
import { unlinkPrefix as unlinkPrefixOf } from './lib/prefix';
import { cpuSecondsOf, freePort, killAllStarted, spawnTracked, stop, waitHealthy } from './lib/processes';

const SCENARIOS = ['bulk', 'single', 'paced', 'delayed', 'baseline', 'flat', 'passes'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-bullmq': { type: 'boolean', default: false },
  },
});
const only = new Set<Scenario>((flags.only?.split(',') as Scenario[] | undefined) ?? SCENARIOS);
for (const name of only)
  if (!SCENARIOS.includes(name)) throw new Error(`--only: unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
const withBull = !flags['no-bullmq'];

const SIZES = flags.quick
  ? {
      bulk: 5_000,
      single: 2_000,
      pacedRate: 2_000,
      pacedSeconds: 2,
      delayed: 500,
      flatSmall: 2_000,
      flatLarge: 20_000,
      passes: 10_000,
    }
  : {
      bulk: 50_000,
      single: 50_000,
      pacedRate: 2_000,
      pacedSeconds: 10,
      delayed: 2_000,
      flatSmall: 10_000,
      flatLarge: 200_000,
      passes: 100_000,
    };
/** Delayed tasks fall due from DELAYED_LEAD_MS after they are sent, spread over DELAYED_SPREAD_MS. */
const DELAYED_LEAD_MS = 3_000;
const DELAYED_SPREAD_MS = 5_000;
const BULK_BATCH = 500;
const BULK_CONCURRENCY = 8;
const SINGLE_CONCURRENCY = 50;
/** The paced scenario again with the producer's batching: tasks/s unchanged, one request per 10 ms. */
const PACED_BATCH = 20;

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const prefixes = { ours: `tqbench-${runId}`, flat: `tqbench-${runId}-flat`, bull: `bqbench-${runId}` };
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

/** CPU seconds each process used during one scenario, with Redis and this driver. */
type CpuUse = Record<string, number>;

interface Side {
  cpu?: Record<string, CpuUse>;
  bulk?: Throughput;
  single?: Throughput;
  paced?: Percentiles & { lagMs: number };
  pacedBatched?: Percentiles & { lagMs: number };
  startDelay?: Percentiles;
  redisBytesPerTask?: number;
  peakRss?: Record<string, number>;
  schedulerSeconds?: number;
  cleanupSeconds?: number;
}

const results: {
  ours: Side;
  bullmq: Side;
  bareNest?: Throughput & { cpu: CpuUse };
  bareFastify?: Throughput & { cpu: CpuUse };
  flat?: { small: number; large: number; rssCold: number; rssSmall: number; rssLarge: number; growth: number };
} = {
  ours: {},
  bullmq: {},
};

const redis = new Redis(redisUrl, { lazyConnect: true });
const log = (line: string) =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${line}`);
const t0 = performance.now();

async function usedMemory(): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
}

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/^used_cpu_sys:([\d.]+)/m.exec(info)?.[1]) + Number(/^used_cpu_user:([\d.]+)/m.exec(info)?.[1]);
}

/**
 * Runs one scenario and records the CPU seconds every process spent on it, so a figure can be
 * told apart as CPU-bound (the two cores full) or waiting.
 */
async function withCpu<T>(
  side: Side,
  scenario: string,
  apps: { cpuSeconds(): Record<string, number> },
  work: () => Promise<T>,
): Promise<T> {
  const snapshot = async (): Promise<CpuUse> => ({
    ...apps.cpuSeconds(),
    redis: await redisCpuSeconds(),
    driver: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  });
  const before = await snapshot();
  const started = performance.now();
  const result = await work();
  const after = await snapshot();
  const wall = (performance.now() - started) / 1000;
  const use: CpuUse = Object.fromEntries(
    Object.keys(after).map((name) => [name, Number((after[name] - before[name]).toFixed(2))]),
  );
  (side.cpu ??= {})[scenario] = use;
  const total = Object.values(use).reduce((a, b) => a + b, 0);
  log(
    `  CPU s: ${Object.entries(use)
      .map(([name, s]) => `${name} ${s.toFixed(1)}`)
      .join(', ')}; ${total.toFixed(1)} of ${(wall * cpus().length).toFixed(1)} available`,
  );
  return result;
}

const unlinkPrefix = (prefix: string): Promise<number> => unlinkPrefixOf(redis, prefix);

function ensureBuilt(): void {
  const apps = ['broker', 'consumer', 'task-dispatcher'];
  if (apps.every((app) => existsSync(join(ROOT, 'dist', 'apps', app, 'main.js')))) return;
  log('dist is missing: nest build --all');
  const build = spawnSync(join(ROOT, 'node_modules', '.bin', 'nest'), ['build', '--all'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('nest build --all failed');
}

const describeThroughput = (what: string, t: Throughput) =>
  `${what}: ${t.tasks} tasks in ${t.seconds.toFixed(2)} s = ${t.perSecond.toFixed(0)}/s ` +
  `(all accepted after ${t.acceptSeconds.toFixed(2)} s)`;
const describeLatency = (what: string, p: Percentiles & { lagMs: number }) =>
  `${what}: p50 ${p.p50} ms, p90 ${p.p90} ms, p99 ${p.p99} ms, max ${p.max} ms over ${p.n} tasks ` +
  `(pacing lag at most ${p.lagMs.toFixed(0)} ms)`;

const describeDelay = (what: string, p: Percentiles) =>
  `${what}: p50 ${p.p50} ms, p90 ${p.p90} ms, p99 ${p.p99} ms, max ${p.max} ms over ${p.n} tasks`;

async function runOurs(): Promise<void> {
  const cpuProfDir = flags['cpu-prof'] ? join(ROOT, 'bench', 'profiles', stamp) : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const system = await OurSystem.start(
    { redisUrl, prefix: prefixes.ours, consumers: 3, taskDispatcher: true, cpuProfDir },
    redis,
  );
  log(`ours: broker, 3 consumers and the task-dispatcher are up under prefix ${prefixes.ours}`);
  try {
    if (only.has('bulk')) {
      const before = await usedMemory();
      results.ours.bulk = await withCpu(results.ours, 'bulk', system, () =>
        system.throughput(makeTasks('bulk', SIZES.bulk), BULK_BATCH, BULK_CONCURRENCY),
      );
      results.ours.redisBytesPerTask = ((await usedMemory()) - before) / SIZES.bulk;
      log(describeThroughput(`ours bulk (${BULK_BATCH}/request, ${BULK_CONCURRENCY} in flight)`, results.ours.bulk));
    }
    if (only.has('single')) {
      results.ours.single = await withCpu(results.ours, 'single', system, () =>
        system.throughput(makeTasks('single', SIZES.single), 1, SINGLE_CONCURRENCY),
      );
      log(describeThroughput(`ours one per request (${SINGLE_CONCURRENCY} callers)`, results.ours.single));
    }
    if (only.has('paced')) {
      results.ours.paced = await withCpu(results.ours, 'paced', system, () =>
        system.latency(makeTasks('paced', SIZES.pacedRate * SIZES.pacedSeconds), SIZES.pacedRate),
      );
      log(describeLatency(`ours accept->stored at ${SIZES.pacedRate}/s`, results.ours.paced));
      const tasks = makeTasks('paced-batched', SIZES.pacedRate * SIZES.pacedSeconds);
      results.ours.pacedBatched = await withCpu(results.ours, 'paced-batched', system, () =>
        system.latency(tasks, SIZES.pacedRate, PACED_BATCH),
      );
      log(
        describeLatency(
          `ours accept->stored at ${SIZES.pacedRate}/s in POSTs of ${PACED_BATCH}`,
          results.ours.pacedBatched,
        ),
      );
    }
    if (only.has('delayed')) {
      const tasks = makeDueTasks('delayed', SIZES.delayed, DELAYED_LEAD_MS, DELAYED_SPREAD_MS);
      results.ours.startDelay = await withCpu(results.ours, 'delayed', system, () => system.startDelay(tasks));
      log(describeDelay('ours handler start - scheduled_time', results.ours.startDelay));
    }
    results.ours.peakRss = Object.fromEntries(Object.entries(system.memory()).map(([app, m]) => [app, m?.hwm ?? NaN]));
  } finally {
    await system.stop();
    await unlinkPrefix(prefixes.ours);
  }
  if (cpuProfDir) log(`CPU profiles in ${cpuProfDir}`);
}

async function runBull(): Promise<void> {
  const bull = await BullSystem.start(redisUrl, prefixes.bull, redis);
  log(`BullMQ: worker (concurrency 100) up under prefix ${prefixes.bull}`);
  try {
    if (only.has('bulk')) {
      const before = await usedMemory();
      results.bullmq.bulk = await withCpu(results.bullmq, 'bulk', bull, () =>
        bull.throughput(makeTasks('bulk', SIZES.bulk), BULK_BATCH, BULK_CONCURRENCY),
      );
      results.bullmq.redisBytesPerTask = ((await usedMemory()) - before) / SIZES.bulk;
      log(
        describeThroughput(`BullMQ addBulk (${BULK_BATCH}/call, ${BULK_CONCURRENCY} in flight)`, results.bullmq.bulk),
      );
    }
    if (only.has('single')) {
      results.bullmq.single = await withCpu(results.bullmq, 'single', bull, () =>
        bull.throughput(makeTasks('single', SIZES.single), 1, SINGLE_CONCURRENCY),
      );
      log(describeThroughput(`BullMQ add (${SINGLE_CONCURRENCY} callers)`, results.bullmq.single));
    }
    if (only.has('paced')) {
      results.bullmq.paced = await withCpu(results.bullmq, 'paced', bull, () =>
        bull.latency(makeTasks('paced', SIZES.pacedRate * SIZES.pacedSeconds), SIZES.pacedRate),
      );
      log(describeLatency(`BullMQ add->stored at ${SIZES.pacedRate}/s`, results.bullmq.paced));
      const tasks = makeTasks('paced-batched', SIZES.pacedRate * SIZES.pacedSeconds);
      results.bullmq.pacedBatched = await withCpu(results.bullmq, 'paced-batched', bull, () =>
        bull.latency(tasks, SIZES.pacedRate, PACED_BATCH),
      );
      log(
        describeLatency(
          `BullMQ add->stored at ${SIZES.pacedRate}/s in addBulk of ${PACED_BATCH}`,
          results.bullmq.pacedBatched,
        ),
      );
    }
    if (only.has('delayed')) {
      const tasks = makeDueTasks('delayed', SIZES.delayed, DELAYED_LEAD_MS, DELAYED_SPREAD_MS);
      results.bullmq.startDelay = await withCpu(results.bullmq, 'delayed', bull, () => bull.startDelay(tasks));
      log(describeDelay('BullMQ delayed jobs processedOn - (timestamp + delay)', results.bullmq.startDelay));
    }
    results.bullmq.peakRss = { 'bullmq-worker': bull.memory()?.hwm ?? NaN };
  } finally {
    await bull.stop();
    await unlinkPrefix(prefixes.bull);
  }
}

/**
 * bench/bare-nest.ts driven like the broker's one-per-request scenario: what Nest allows at all on
 * Express (the apps' adapter), and on Fastify (the documented alternative), one after the other.
 */
async function runBaseline(): Promise<void> {
  for (const adapter of ['express', 'fastify'] as const) {
    const port = await freePort();
    const app = spawnTracked(
      `bare-nest-${adapter}`,
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join('bench', 'bare-nest.ts')],
      {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port), ADAPTER: adapter },
      },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitHealthy(app, url);
      const tasks = makeTasks(`bare-${adapter}`, SIZES.single);
      const scenario = `baseline-${adapter}`;
      const seconds = await withCpu(
        results.ours,
        scenario,
        { cpuSeconds: () => ({ [`bare-nest-${adapter}`]: cpuSecondsOf(app.child.pid) }) },
        async () => {
          const started = performance.now();
          await pool(tasks, SINGLE_CONCURRENCY, (task) => submit(`${url}/tasks`, task));
          return (performance.now() - started) / 1000;
        },
      );
      const figure = {
        tasks: tasks.length,
        acceptSeconds: seconds,
        seconds,
        perSecond: tasks.length / seconds,
        cpu: results.ours.cpu![scenario],
      };
      if (adapter === 'express') results.bareNest = figure;
      else results.bareFastify = figure;
      log(
        `bare Nest on ${adapter}, validated POSTs, no Redis (${SINGLE_CONCURRENCY} callers): ` +
          `${figure.perSecond.toFixed(0)}/s`,
      );
    } finally {
      await stop(app);
    }
  }
}

/**
 * Broker RSS with few and with many tasks queued: nothing consumes them, so they all stay in Redis.
 * V8 keeps the heap it grew under load, so the small figure is taken after the broker has handled
 * as many tasks as the large one will have: the small batch resubmitted (known ids are accepted and
 * not enqueued again, through the same parse, validation and script) until the counts match. The
 * cold figure, before that, is kept for comparison.
 */
async function runFlat(): Promise<void> {
  const system = await OurSystem.start({ redisUrl, prefix: prefixes.flat, consumers: 0, taskDispatcher: false }, redis);
  try {
    const fill = async (tasks: ReturnType<typeof makeTasks>) =>
      pool(chunks(tasks, BULK_BATCH), BULK_CONCURRENCY, (group) => submit(`${system.brokerUrl}/tasks/bulk`, group));
    // Made once: a resend must be the same task (same content under the id), or the broker refuses it (409).
    const small = makeTasks('flat-small', SIZES.flatSmall);
    const settledRss = async () => {
      await sleep(1_500);
      return system.memory().broker?.rss ?? NaN;
    };
    await fill(small);
    const rssCold = await settledRss();
    for (let handled = SIZES.flatSmall; handled < SIZES.flatLarge; handled += SIZES.flatSmall) await fill(small);
    const rssSmall = await settledRss();
    await fill(makeTasks('flat-large', SIZES.flatLarge - SIZES.flatSmall));
    const rssLarge = await settledRss();
    const { queued } = await system.counts();
    if (queued !== SIZES.flatLarge) throw new Error(`expected ${SIZES.flatLarge} queued tasks, found ${queued}`);
    results.flat = {
      small: SIZES.flatSmall,
      large: SIZES.flatLarge,
      rssCold,
      rssSmall,
      rssLarge,
      growth: rssLarge / rssSmall - 1,
    };
    log(
      `broker RSS: ${mb(rssSmall)} with ${SIZES.flatSmall} queued (${mb(rssCold)} before the warm-up), ` +
        `${mb(rssLarge)} with ${SIZES.flatLarge} queued (${pct(results.flat.growth)})`,
    );
  } finally {
    await system.stop();
    await unlinkPrefix(prefixes.flat);
  }
}

/** bench/scheduler-pass.ts, run as it is (its own prefix, cleaned by itself), its seconds parsed. */
function runOurPasses(): void {
  const output = execFileSync(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join('bench', 'scheduler-pass.ts'),
      String(SIZES.passes),
    ],
    { cwd: ROOT, env: { ...process.env, REDIS_URL: redisUrl }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const seconds = (what: string) => Number(new RegExp(`^${what} pass: ([\\d.]+) s`, 'm').exec(output)?.[1]);
  results.ours.schedulerSeconds = seconds('scheduler');
  results.ours.cleanupSeconds = seconds('cleanup');
  if (!Number.isFinite(results.ours.schedulerSeconds) || !Number.isFinite(results.ours.cleanupSeconds)) {
    throw new Error(`could not read bench/scheduler-pass.ts output:\n${output}`);
  }
  log(
    `ours: scheduler pass ${results.ours.schedulerSeconds} s, cleanup pass ${results.ours.cleanupSeconds} s ` +
      `over ${SIZES.passes} tasks`,
  );
}

async function runBullPasses(): Promise<void> {
  try {
    const passes = await bullPasses(redisUrl, prefixes.bull, SIZES.passes);
    results.bullmq.schedulerSeconds = passes.schedulerSeconds;
    results.bullmq.cleanupSeconds = passes.cleanupSeconds;
    log(
      `BullMQ: promoteJobs ${passes.schedulerSeconds.toFixed(2)} s, clean ${passes.cleanupSeconds.toFixed(2)} s ` +
        `over ${SIZES.passes} jobs`,
    );
  } finally {
    await unlinkPrefix(prefixes.bull);
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const pct = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;

type Row = [metric: string, ours: string, bullmq: string, ratio: string, target: string, verdict: string];

function table(): string {
  const { ours, bullmq, flat } = results;
  const rows: Row[] = [];
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
  const fmtRatio = (r?: number) => (r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(2)}x`);
  const verdict = (r: number | undefined, ok: (r: number) => boolean) =>
    r === undefined || !Number.isFinite(r) ? '' : ok(r) ? 'met' : 'NOT MET';
  const add = (
    metric: string,
    a: number | undefined,
    b: number | undefined,
    fmt: (n: number) => string,
    target = '',
    ok?: (r: number) => boolean,
  ) => {
    if (a === undefined && b === undefined) return;
    const r = ratio(a, b);
    rows.push([
      metric,
      a === undefined ? '-' : fmt(a),
      b === undefined ? '-' : fmt(b),
      fmtRatio(r),
      target,
      ok ? verdict(r, ok) : '',
    ]);
  };
  const perS = (n: number) => `${n.toFixed(0)}/s`;
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const s = (n: number) => `${n.toFixed(2)} s`;
  add(
    `bulk ${ours.bulk?.tasks ?? bullmq.bulk?.tasks} tasks, end to end`,
    ours.bulk?.perSecond,
    bullmq.bulk?.perSecond,
    perS,
    '>= 2x',
    (r) => r >= 2,
  );
  add('  bulk: all accepted after', ours.bulk?.acceptSeconds, bullmq.bulk?.acceptSeconds, s);
  add(
    `one per request, ${SINGLE_CONCURRENCY} callers, end to end`,
    ours.single?.perSecond,
    bullmq.single?.perSecond,
    perS,
    '>= 1x',
    (r) => r >= 1,
  );
  add('  one per request: all accepted after', ours.single?.acceptSeconds, bullmq.single?.acceptSeconds, s);
  add(
    '  bare Nest+Express validated POST, no Redis (ceiling)',
    results.bareNest?.perSecond,
    bullmq.single?.perSecond,
    perS,
  );
  add(
    '  bare Nest+Fastify validated POST, no Redis (ceiling)',
    results.bareFastify?.perSecond,
    bullmq.single?.perSecond,
    perS,
  );
  const paced = `paced ${SIZES.pacedRate}/s for ${SIZES.pacedSeconds} s, accept->stored`;
  add(`${paced} p50`, ours.paced?.p50, bullmq.paced?.p50, ms);
  add(`${paced} p90`, ours.paced?.p90, bullmq.paced?.p90, ms);
  add(`${paced} p99`, ours.paced?.p99, bullmq.paced?.p99, ms, '<= 1x', (r) => r <= 1);
  add(`${paced} max`, ours.paced?.max, bullmq.paced?.max, ms);
  const batched = `  the same in batches of ${PACED_BATCH} (POST /tasks/bulk; addBulk), accept->stored`;
  add(`${batched} p50`, ours.pacedBatched?.p50, bullmq.pacedBatched?.p50, ms);
  add(`${batched} p99`, ours.pacedBatched?.p99, bullmq.pacedBatched?.p99, ms);
  const delayed = `start delay, ${SIZES.delayed} tasks due over ${DELAYED_SPREAD_MS / 1000} s`;
  add(`${delayed} p50`, ours.startDelay?.p50, bullmq.startDelay?.p50, ms);
  add(
    `${delayed} p99`,
    ours.startDelay?.p99,
    bullmq.startDelay?.p99,
    ms,
    'ours < 1000 ms',
    () => (ours.startDelay?.p99 ?? Infinity) < 1000,
  );
  add('Redis memory per stored task', ours.redisBytesPerTask, bullmq.redisBytesPerTask, (n) => `${n.toFixed(0)} B`);
  const oursRss = ours.peakRss ? Object.values(ours.peakRss).reduce((a, b) => a + b, 0) : undefined;
  for (const [app, bytes] of Object.entries(ours.peakRss ?? {})) add(`peak RSS ${app}`, bytes, undefined, mb);
  add('peak RSS, all processes (ours: broker+consumers+dispatcher)', oursRss, bullmq.peakRss?.['bullmq-worker'], mb);
  add(`scheduler pass, ${SIZES.passes} due (BullMQ: promoteJobs)`, ours.schedulerSeconds, bullmq.schedulerSeconds, s);
  add(`cleanup pass, ${SIZES.passes} expired (BullMQ: clean)`, ours.cleanupSeconds, bullmq.cleanupSeconds, s);
  if (flat) {
    rows.push([`broker RSS, ${flat.small} queued, cold`, mb(flat.rssCold), '', '', '', '']);
    rows.push([`broker RSS, ${flat.small} queued, after handling ${flat.large}`, mb(flat.rssSmall), '', '', '', '']);
    rows.push([
      `broker RSS, ${flat.large} queued`,
      mb(flat.rssLarge),
      '',
      pct(flat.growth),
      'within 20%',
      Math.abs(flat.growth) <= 0.2 ? 'met' : 'NOT MET',
    ]);
  }
  const header: Row = ['metric', 'ours', 'BullMQ 6.7', 'ours/BullMQ', 'target', ''];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (row: Row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const interrupt = () => {
    console.error('\ninterrupted: stopping everything the bench started');
    killAllStarted();
    Promise.all(Object.values(prefixes).map(unlinkPrefix))
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  await redis.connect();
  const redisVersion = /^redis_version:(\S+)/m.exec(await redis.info('server'))?.[1];
  ensureBuilt();
  log(
    `Redis ${redisVersion} at ${redisUrl}; node ${process.version}; ${cpus().length} CPUs; ` +
      `${flags.quick ? 'quick' : 'full'} run`,
  );
  try {
    if (only.has('bulk') || only.has('single') || only.has('paced') || only.has('delayed')) {
      await runOurs();
      if (withBull) await runBull();
    }
    if (only.has('baseline')) await runBaseline();
    if (only.has('flat')) await runFlat();
    if (only.has('passes')) {
      runOurPasses();
      if (withBull) await runBullPasses();
    }
  } finally {
    killAllStarted();
    for (const prefix of Object.values(prefixes)) await unlinkPrefix(prefix);
    await redis.quit();
  }

  const printed = table();
  console.log(`\n${printed}\n`);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
  const file = join(ROOT, 'bench', 'results', `${stamp}.json`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const environment = {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    redis: redisVersion,
    commit,
    quick: flags.quick,
  };
  const settings = {
    ...SIZES,
    delayedLeadMs: DELAYED_LEAD_MS,
    delayedSpreadMs: DELAYED_SPREAD_MS,
    bulkBatch: BULK_BATCH,
    bulkConcurrency: BULK_CONCURRENCY,
    singleConcurrency: SINGLE_CONCURRENCY,
  };
  writeFileSync(
    file,
    JSON.stringify(
      { at: new Date().toISOString(), environment, settings, results, table: printed.split('\n') },
      null,
      2,
    ),
  );
  log(`wrote ${file}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  killAllStarted();
  process.exit(1);
});
