/**
 * The BullMQ side of the benchmark, in its own process like a real worker: a Worker at
 * concurrency CONCURRENCY that stores each job in Redis with a TTL (SET key JSON PX), as our
 * consumer stores each task. Plain JavaScript so its RSS holds no ts-node. Started by bench/run.ts
 * over IPC: it sends {ready} once connected, then {completed: n} whenever the count moved, and
 * closes the worker on {stop}.
 *
 * Env: REDIS_URL, BULL_PREFIX, BULL_QUEUE, CONCURRENCY, TTL_MS
 */
const { Worker } = require('bullmq');
const Redis = require('ioredis');
const { redisConnection } = require('./redis-connection');

const prefix = process.env.BULL_PREFIX;
const ttlMs = Number(process.env.TTL_MS);
const store = new Redis(process.env.REDIS_URL);

const worker = new Worker(
  process.env.BULL_QUEUE,
  async (job) => {
    const record = {
      ...job.data,
      created_time: job.timestamp,
      stored_time: Date.now(),
      processed_on: job.processedOn,
      delay: job.opts.delay ?? 0,
    };
    await store.set(`${prefix}:store:${job.id}`, JSON.stringify(record), 'PX', ttlMs);
  },
  { connection: redisConnection(process.env.REDIS_URL), prefix, concurrency: Number(process.env.CONCURRENCY) },
);

let completed = 0;
let reported = -1;
worker.on('completed', () => completed++);
worker.on('error', (error) => console.error(`worker error: ${error.message}`));
const reporter = setInterval(() => {
  if (completed !== reported) {
    reported = completed;
    process.send({ completed });
  }
}, 5);

process.on('message', async (message) => {
  if (message.stop) {
    clearInterval(reporter);
    await worker.close();
    await store.quit();
    process.exit(0);
  }
});
// Without IPC the parent is gone: nothing left to report to.
process.on('disconnect', () => process.exit(0));

worker.waitUntilReady().then(() => process.send({ ready: true }));
