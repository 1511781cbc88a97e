/** Where a task is in its life; see the README's lifecycle diagram. */
export enum TaskStatus {
  Queued = 'queued',
  Dispatched = 'dispatched',
  Running = 'running',
  Scheduled = 'scheduled',
  Complete = 'complete',
  DeadLettered = 'dead_lettered',
  Cancelled = 'cancelled',
}

export const TASK_STATUSES: readonly TaskStatus[] = Object.values(TaskStatus);

/** The task as it travels on the wire (snake_case, times as ISO-8601). */
export interface Task {
  id: string;
  task_name: string;
  task_type: string;
  binding_key: string;
  priority: number;
  payload: Record<string, unknown>;
  scheduled_time: string;
  periodicity: string;
  max_retries: number;
  status: TaskStatus;
  task_update_time: string;
  created_time: string;
  queue?: string;
  attempts?: number;
  last_error?: string;
  run_count?: number;
  last_run_time?: string;
  /** What the handler's latest successful run returned (JSON). */
  result?: unknown;
  /** What the running handler last reported with ctx.progress. */
  progress?: unknown;
  /** The latest attempts (at most MAX_RUNS), oldest first. */
  runs?: TaskRun[];
}

/** How one attempt ended. `lost`: its consumer vanished (no ack before the deadline). */
export const RUN_OUTCOMES = ['ok', 'failed', 'timed_out', 'cancelled', 'lost'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** One attempt of a task, as GET /tasks/:id shows it (times ISO-8601; consumer as GET /consumers shows it). */
export interface TaskRun {
  attempt: number;
  consumer: string | null;
  started_time: string | null;
  finished_time: string;
  outcome: RunOutcome;
  error: string | null;
}

/** Attempts kept in a task's `runs`. */
export const MAX_RUNS = 20;
/**
 * Largest result a handler may return, as JSON (in the consumer's store or in an ack); a bigger one fails its attempt.
 */
export const MAX_RESULT_BYTES = 64 * 1024;

/** Not `.` or `..`: clients collapse those path segments, so such a task could never be read back. */
export const TASK_ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9_.:-]{1,128}$/;
export const TASK_TYPE_PATTERN = /^[a-z0-9_.-]{1,64}$/;
/** What a consumer offers besides its handlers' types: store tasks of any type no live consumer has a handler for. */
export const ANY_TYPE = '*';
/** One entry of a consumer's offered types: a task type or `*`. */
export const OFFERED_TYPE_PATTERN = /^(\*|[a-z0-9_.-]{1,64})$/;
export const QUEUE_NAME_PATTERN = /^[a-z0-9_.-]{1,64}$/;
export const MAX_PRIORITY = 9;

/**
 * Whether a delivered task runs its handler now: the scheduler released it for its current
 * occurrence (`triggeredMs` is that occurrence's scheduled_time), or it is a once task whose time has
 * come. A periodic task always waits for the scheduler, which records the occurrence after it.
 */
export function isDueOnDelivery(
  periodicity: string,
  scheduledMs: number,
  triggeredMs: number | undefined,
  nowMs: number,
): boolean {
  if (triggeredMs !== undefined && triggeredMs === scheduledMs) return true;
  return periodicity === 'once' && scheduledMs <= nowMs;
}
