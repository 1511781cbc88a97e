import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** The task every scenario sends: due tomorrow, so the task-dispatcher's cron leaves it alone. */
export interface BenchTask {
  id: string;
  task_name: string;
  task_type: string;
  payload: Record<string, unknown>;
  scheduled_time: string;
  binding_key?: string;
}

export const TASK_TYPES = ['a', 'b', 'c'];

export function makeTasks(tag: string, count: number): BenchTask[] {
  const due = new Date(Date.now() + 86_400_000).toISOString();
  return Array.from({ length: count }, (_, i) => ({
    id: `${tag}-${i}`,
    task_name: `bench ${tag} ${i}`,
    task_type: TASK_TYPES[i % TASK_TYPES.length],
    payload: { n: i, to: `user${i}@example.com` },
    scheduled_time: due,
  }));
}

/**
 * Tasks for the start-delay scenario: type `echo` (the stock consumer's handler, so each one runs)
 * on binding key `a`, due from `leadMs` from now, spread evenly over `spreadMs`.
 */
export function makeDueTasks(tag: string, count: number, leadMs: number, spreadMs: number): BenchTask[] {
  const first = Date.now() + leadMs;
  return Array.from({ length: count }, (_, i) => ({
    id: `${tag}-${i}`,
    task_name: `bench ${tag} ${i}`,
    task_type: 'echo',
    binding_key: TASK_TYPES[0],
    payload: { n: i },
    scheduled_time: new Date(first + Math.floor((i * spreadMs) / count)).toISOString(),
  }));
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * The bench runs the apps with keys on, as deployed: the driver submits with the operator key,
 * consumers call the broker with their own.
 */
const OPERATOR_SECRET = 'bench-operator-'.padEnd(40, 'o');
const CONSUMER_SECRET = 'bench-consumer-'.padEnd(40, 'c');
export const BENCH_KEYS_ENV = {
  API_KEYS: `operator:submit+read+admin:${OPERATOR_SECRET};consumer:consumer:${CONSUMER_SECRET}`,
  BROKER_API_KEY: CONSUMER_SECRET,
  DELIVERY_SIGNING_KEYS: 'bench-signing-'.padEnd(40, 's'),
};
export const BENCH_AUTH = { authorization: `Bearer ${OPERATOR_SECRET}` };

/** POSTs JSON on a keep-alive socket; resolves with the status once the body is read. */
export function postJson(url: string, body: unknown): Promise<number> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': data.length, ...BENCH_AUTH },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * POSTs until accepted: 503 is back-pressure and waits; a reset of a reused keep-alive socket (the
 * server closed it idle as we sent) is resent, which the task ids make safe; anything else is a bench error.
 */
export async function submit(url: string, body: unknown): Promise<void> {
  for (let attempt = 0, resets = 0; ; attempt++) {
    let status: number;
    try {
      status = await postJson(url, body);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ECONNRESET' || code === 'EPIPE') && ++resets <= 3) continue;
      throw error;
    }
    if (status >= 200 && status < 300) return;
    if (status !== 503 || attempt > 200) throw new Error(`POST ${url} answered ${status}`);
    await sleep(20);
  }
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Calls `send` for each item at `rate` per second (from a 2 ms tick, so bursts stay small),
 * without waiting for one to finish before the next; resolves when all have settled.
 */
export async function paced<T>(items: T[], rate: number, send: (item: T) => Promise<void>): Promise<{ lagMs: number }> {
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  let lagMs = 0;
  while (sent < items.length) {
    const due = Math.min(items.length, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    while (sent < due) inFlight.push(send(items[sent++]));
    lagMs = Math.max(lagMs, performance.now() - started - ((sent - 1) * 1000) / rate);
    await sleep(2);
  }
  await Promise.all(inFlight);
  return { lagMs };
}

/** Polls `isDone` every 10 ms until it holds; throws with `describe()` after `timeoutMs`. */
export async function waitUntil(
  isDone: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string | Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isDone())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms: ${await describe()}`);
    await sleep(10);
  }
}

export interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}
