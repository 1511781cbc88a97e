import { RUN_OUTCOMES, RunOutcome, Task, TASK_STATUSES, TaskRun, TaskStatus } from './task.model';

/**
 * A task as it is kept in Redis: one hash per task, times in epoch milliseconds so that Lua
 * scripts and sorted-set scores can compare them without parsing dates.
 */
export type TaskHash = Record<string, string>;

export class CorruptTaskError extends Error {
  constructor(id: string, reason: string) {
    super(`task ${id} in Redis is unreadable: ${reason}`);
    this.name = 'CorruptTaskError';
  }
}

/** Flattens a task into hash fields; the inverse of `taskFromHash`. */
export function taskToHash(task: Task): TaskHash {
  const hash: TaskHash = {
    id: task.id,
    task_name: task.task_name,
    task_type: task.task_type,
    binding_key: task.binding_key,
    priority: String(task.priority),
    payload: JSON.stringify(task.payload ?? {}),
    scheduled_time: String(Date.parse(task.scheduled_time)),
    // Periodic runs count from the first scheduled time, so monthly-on-the-31st survives February.
    anchor_time: String(Date.parse(task.scheduled_time)),
    periodicity: task.periodicity,
    max_retries: String(task.max_retries),
    status: task.status,
    task_update_time: String(Date.parse(task.task_update_time)),
    created_time: String(Date.parse(task.created_time)),
  };
  if (task.queue !== undefined) hash.queue = task.queue;
  return hash;
}

const recentIso = new Map<number, string>();

/**
 * `new Date(ms).toISOString()`, remembered for recent times: the tasks of one request or one claim
 * share their times, and formatting was a tenth of the broker's work per delivered task.
 */
export function isoTime(ms: number): string {
  let iso = recentIso.get(ms);
  if (iso === undefined) {
    if (recentIso.size >= 1024) recentIso.clear();
    iso = new Date(ms).toISOString();
    recentIso.set(ms, iso);
  }
  return iso;
}

function toIso(id: string, field: string, value: string | undefined): string {
  const ms = Number(value);
  // 8.64e15 ms is the furthest Date reaches; past it toISOString throws a RangeError.
  if (value === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15)
    throw new CorruptTaskError(id, `${field} is not a time`);
  return isoTime(ms);
}

function fromJson(id: string, field: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new CorruptTaskError(id, `${field} is not JSON`);
  }
}

function toInt(id: string, field: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n)) throw new CorruptTaskError(id, `${field} is not an integer`);
  return n;
}

/** Reads a task hash back, checking every field: what comes out of Redis is untrusted. */
export function taskFromHash(hash: TaskHash): Task {
  const id = hash.id;
  if (!id) throw new CorruptTaskError('?', 'no id');
  if (!TASK_STATUSES.includes(hash.status as TaskStatus)) throw new CorruptTaskError(id, `status ${hash.status}`);
  let payload: unknown;
  try {
    payload = JSON.parse(hash.payload ?? '{}');
  } catch {
    throw new CorruptTaskError(id, 'payload is not JSON');
  }
  const task: Task = {
    id,
    task_name: hash.task_name ?? '',
    task_type: hash.task_type ?? '',
    binding_key: hash.binding_key ?? '',
    priority: toInt(id, 'priority', hash.priority),
    payload: payload as Record<string, unknown>,
    scheduled_time: toIso(id, 'scheduled_time', hash.scheduled_time),
    periodicity: hash.periodicity ?? 'once',
    max_retries: toInt(id, 'max_retries', hash.max_retries),
    status: hash.status as TaskStatus,
    task_update_time: toIso(id, 'task_update_time', hash.task_update_time),
    created_time: toIso(id, 'created_time', hash.created_time),
  };
  if (hash.queue) task.queue = hash.queue;
  if (hash.attempts) task.attempts = toInt(id, 'attempts', hash.attempts);
  if (hash.last_error) task.last_error = hash.last_error;
  if (hash.run_count) task.run_count = toInt(id, 'run_count', hash.run_count);
  if (hash.last_run_time) task.last_run_time = toIso(id, 'last_run_time', hash.last_run_time);
  if (hash.result) task.result = fromJson(id, 'result', hash.result);
  if (hash.progress) task.progress = fromJson(id, 'progress', hash.progress);
  if (hash.runs) task.runs = runsFromJson(id, hash.runs);
  return task;
}

function optionalIso(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e15 ? isoTime(value) : null;
}

/**
 * The `runs` JSON the scripts append to ({attempt, consumer, started, finished, outcome, error}, times in ms); entries
 * that do not read as runs are left out.
 */
function runsFromJson(id: string, json: string): TaskRun[] {
  const runs = fromJson(id, 'runs', json);
  if (!Array.isArray(runs)) throw new CorruptTaskError(id, 'runs is not a list');
  const out: TaskRun[] = [];
  for (const run of runs as Array<Record<string, unknown>>) {
    if (typeof run !== 'object' || run === null) continue;
    const finished = optionalIso(run.finished);
    if (!finished || !Number.isInteger(run.attempt) || !RUN_OUTCOMES.includes(run.outcome as RunOutcome)) continue;
    out.push({
      attempt: run.attempt as number,
      consumer: typeof run.consumer === 'string' ? run.consumer : null,
      started_time: optionalIso(run.started),
      finished_time: finished,
      outcome: run.outcome as RunOutcome,
      error: typeof run.error === 'string' ? run.error : null,
    });
  }
  return out;
}
