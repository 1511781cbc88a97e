import type Redis from 'ioredis';
// By path, not @app/*: `npm run soak` runs this without the path mapping.
import { TaskStatus } from '../../libs/common/src/task/task.model';
import { RedisKeys } from '../../libs/redis/src/keys';
import { waitFor } from './cluster';

export interface QueueCounts {
  pending: number;
  inflight: number;
  delayed: number;
  dead: number;
}

/**
 * What a test knows was accepted: ids the broker answered 201 for (bulk submissions with
 * client-chosen ids), and per task_name how many tasks the producer reported accepted (its ids
 * are made inside the producer). Every stored task must be one of these, exactly once.
 */
export class Ledger {
  readonly ids = new Set<string>();
  readonly byName = new Map<string, number>();

  addIds(ids: Iterable<string>): void {
    for (const id of ids) this.ids.add(id);
  }

  addProduced(taskName: string, accepted: number): void {
    this.byName.set(taskName, (this.byName.get(taskName) ?? 0) + accepted);
  }

  get expected(): number {
    return this.ids.size + [...this.byName.values()].reduce((a, b) => a + b, 0);
  }
}

export interface StoredTask {
  key: string;
  hash: Record<string, string>;
  inScheduled: string | null;
  inComplete: string | null;
}

/** Every task hash under the prefix, with its index entries, read in pipelined chunks. */
export async function readAllTasks(redis: Redis, prefix: string): Promise<Map<string, StoredTask>> {
  const k = new RedisKeys(prefix);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${k.taskPrefix}*`, 'COUNT', 2000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const tasks = new Map<string, StoredTask>();
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = [...new Set(keys.slice(i, i + 1000))];
    const pipeline = redis.pipeline();
    for (const key of chunk) {
      const id = key.slice(k.taskPrefix.length);
      pipeline.hgetall(key).zscore(k.scheduledIndex, id).zscore(k.completeIndex, id);
    }
    const replies = (await pipeline.exec()) ?? [];
    chunk.forEach((key, j) => {
      const [[e1, hash], [e2, inScheduled], [e3, inComplete]] = replies.slice(j * 3, j * 3 + 3);
      const error = e1 ?? e2 ?? e3;
      if (error) throw error;
      const id = key.slice(k.taskPrefix.length);
      if (Object.keys(hash as object).length)
        tasks.set(id, {
          key,
          hash: hash as Record<string, string>,
          inScheduled: inScheduled as string | null,
          inComplete: inComplete as string | null,
        });
    });
  }
  return tasks;
}

export async function queueCounts(redis: Redis, prefix: string): Promise<Map<string, QueueCounts>> {
  const k = new RedisKeys(prefix);
  const names = Object.keys(await redis.hgetall(k.queues));
  const pipeline = redis.pipeline();
  for (const q of names)
    pipeline.zcard(k.queuePending(q)).zcard(k.queueInflight(q)).zcard(k.queueDelayed(q)).zcard(k.queueDead(q));
  const counts = ((await pipeline.exec()) ?? []).map(([, n]) => Number(n));
  return new Map(
    names.map((q, i) => [
      q,
      { pending: counts[i * 4], inflight: counts[i * 4 + 1], delayed: counts[i * 4 + 2], dead: counts[i * 4 + 3] },
    ]),
  );
}

export function totals(counts: Map<string, QueueCounts>): QueueCounts {
  const sum = { pending: 0, inflight: 0, delayed: 0, dead: 0 };
  for (const c of counts.values()) for (const f of Object.keys(sum) as (keyof QueueCounts)[]) sum[f] += c[f];
  return sum;
}

export interface Report {
  /** Tasks in Redis that the ledger expects. */
  stored: number;
  expected: number;
  lost: number;
  duplicates: number;
  problems: string[];
  queues: QueueCounts;
}

/** Every expected task stored exactly once, nothing lost or left in a queue, and no other problem. */
export function expectNothingLost(report: Report, expected: number): void {
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({
    expected,
    stored: expected,
    lost: 0,
    duplicates: 0,
    queues: { pending: 0, inflight: 0, delayed: 0, dead: 0 },
  });
}

export interface CheckOptions {
  /**
   * A scheduler pass that caught up started at this time (ms): every task stored before it and
   * due by then must have run exactly once. Without it, no task may have run.
   */
  passAt?: number;
  /**
   * When that pass answered (ms): the pass read its own clock somewhere between passAt and this,
   * so a task due, or stored, in between may or may not have been run by it; either is right.
   */
  passEndedAt?: number;
  /** Check only the tasks of these ids and names; others under the prefix are ignored. */
  only?: Ledger;
}

const STORED = new Set<string>([TaskStatus.Scheduled, TaskStatus.Complete]);

/** When each successful handler run of a task started (ms), from its `runs` JSON. */
function okRunStarts(runs: string | undefined): number[] {
  if (!runs) return [];
  return (JSON.parse(runs) as Array<{ outcome: string; started: number }>)
    .filter((run) => run.outcome === 'ok')
    .map((run) => run.started);
}

/**
 * Compares Redis with the ledger: every accepted task stored once (no missing id, no extra task
 * under a known name, no task nobody submitted), each in a sane state: status scheduled or
 * complete as its time says, in exactly the right index, attempts within 1..max_retries+1,
 * run_count 1 for what a pass triggered or a handler ran on delivery and absent otherwise, no
 * handler run before its task's time, and every queue empty.
 */
export async function checkStoredOnce(
  redis: Redis,
  prefix: string,
  ledger: Ledger,
  options: CheckOptions = {},
): Promise<Report> {
  const keys = new RedisKeys(prefix);
  const tasks = await readAllTasks(redis, prefix);
  const queues = totals(await queueCounts(redis, prefix));
  const problems: string[] = [];
  const note = (message: string) => problems.length < 40 && problems.push(message);
  let lost = 0;
  let duplicates = 0;
  let stored = 0;

  const relevant: StoredTask[] = [];
  for (const id of ledger.ids) {
    const task = tasks.get(id);
    if (!task) {
      lost++;
      note(`lost: accepted task ${id} is not in Redis`);
    } else relevant.push(task);
  }
  const perName = new Map<string, number>();
  for (const [id, task] of tasks) {
    if (ledger.ids.has(id)) continue;
    const name = task.hash.task_name;
    if (ledger.byName.has(name)) {
      perName.set(name, (perName.get(name) ?? 0) + 1);
      relevant.push(task);
    } else if (!options.only) {
      duplicates++;
      note(`unexpected task ${id} (${name}): nobody submitted it`);
    }
  }
  for (const [name, accepted] of ledger.byName) {
    const found = perName.get(name) ?? 0;
    if (found < accepted) {
      lost += accepted - found;
      note(`lost: ${accepted} tasks named "${name}" were accepted, ${found} are in Redis`);
    } else if (found > accepted) {
      duplicates += found - accepted;
      note(`duplicated: ${accepted} tasks named "${name}" were accepted, ${found} are in Redis`);
    }
  }

  for (const { key, hash, inScheduled, inComplete } of relevant) {
    const id = hash.id;
    const where = `${id} (${hash.task_name})`;
    if (!STORED.has(hash.status)) {
      note(`${where}: status ${hash.status}, not stored${hash.last_error ? ` (last error: ${hash.last_error})` : ''}`);
      continue;
    }
    stored++;
    if (key !== keys.task(id)) note(`${where}: hash under ${key} names id ${id}`);
    const attempts = Number(hash.attempts);
    if (!(attempts >= 1 && attempts <= Number(hash.max_retries) + 1))
      note(`${where}: attempts ${hash.attempts} outside 1..max_retries+1`);
    const runs = hash.run_count === undefined ? 0 : Number(hash.run_count);
    const storedBeforePass = options.passAt !== undefined && Number(hash.stored_time) <= options.passAt;
    // A task with a handler (echo) runs once due: a once task on delivery, a periodic one when a pass released it.
    const handlerStarts = okRunStarts(hash.runs);
    if (handlerStarts.some((started) => started < Number(hash.anchor_time)))
      note(`${where}: its handler ran before its scheduled_time`);
    if (handlerStarts.length > 0 && hash.periodicity !== 'once' && options.passAt === undefined)
      note(`${where}: a periodic handler ran with no pass`);
    const shouldRun =
      handlerStarts.length > 0 || (storedBeforePass && Number(hash.anchor_time) <= options.passAt!) ? 1 : 0;
    const inPass = (ms: number) =>
      options.passAt !== undefined &&
      options.passEndedAt !== undefined &&
      ms > options.passAt &&
      ms <= options.passEndedAt;
    const dueByPassEnd = options.passEndedAt !== undefined && Number(hash.anchor_time) <= options.passEndedAt;
    const either =
      (inPass(Number(hash.anchor_time)) || (inPass(Number(hash.stored_time)) && dueByPassEnd)) &&
      (runs === 0 || runs === 1);
    if (runs !== shouldRun && !either)
      note(
        `${where}: run_count ${runs}, expected ${shouldRun} ` +
          `(${hash.periodicity}, due ${new Date(Number(hash.anchor_time)).toISOString()})`,
      );
    if (hash.status === TaskStatus.Complete) {
      if (hash.periodicity !== 'once') note(`${where}: a ${hash.periodicity} task is complete`);
      if (runs !== 1) note(`${where}: complete with run_count ${runs}`);
      if (inComplete === null) note(`${where}: complete but not in the complete index`);
      if (inScheduled !== null) note(`${where}: complete but still in the scheduled index`);
    } else {
      if (inScheduled === null) note(`${where}: scheduled but not in the scheduled index`);
      else if (Number(inScheduled) !== Number(hash.scheduled_time))
        note(`${where}: index score ${inScheduled} != scheduled_time ${hash.scheduled_time}`);
      if (inComplete !== null) note(`${where}: scheduled but in the complete index`);
      if (runs === 1 && hash.periodicity === 'once') note(`${where}: a once task ran but is still scheduled`);
      if (runs === 1 && Number(hash.scheduled_time) <= Number(hash.last_run_time))
        note(`${where}: ran but its next time is not after the run`);
    }
  }
  // Said first, so the cap on problems cannot hide it.
  const held = Object.entries(queues).filter(([, n]) => n > 0);
  if (held.length) problems.unshift(`queues still hold ${held.map(([field, n]) => `${n} ${field}`).join(', ')}`);
  return { stored, expected: ledger.expected, lost, duplicates, problems, queues };
}

/** Waits until every queue is empty and every expected task is stored (or the time is up), then checks. */
export async function drainAndCheck(
  redis: Redis,
  prefix: string,
  ledger: Ledger,
  options: CheckOptions & { timeoutMs?: number } = {},
): Promise<Report> {
  await waitFor(
    `${ledger.expected} tasks to be stored and the queues to drain`,
    async () => {
      const q = totals(await queueCounts(redis, prefix));
      if (q.pending + q.inflight + q.delayed > 0) return false;
      const report = await checkStoredOnce(redis, prefix, ledger, options);
      return report.stored >= report.expected || report.queues.dead > 0;
    },
    options.timeoutMs ?? 60_000,
    250,
  ).catch(() => undefined);
  return checkStoredOnce(redis, prefix, ledger, options);
}
