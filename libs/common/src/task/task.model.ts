/** Where a task is in its life; see the README's lifecycle diagram. */
export enum TaskStatus {
  Queued = 'queued',
  Dispatched = 'dispatched',
  Scheduled = 'scheduled',
  Complete = 'complete',
  DeadLettered = 'dead_lettered',
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
}

export const TASK_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const TASK_TYPE_PATTERN = /^[a-z0-9_.-]{1,64}$/;
/** What a consumer offers besides its handlers' types: store tasks of any type no live consumer has a handler for. */
export const ANY_TYPE = '*';
/** One entry of a consumer's offered types: a task type or `*`. */
export const OFFERED_TYPE_PATTERN = /^(\*|[a-z0-9_.-]{1,64})$/;
export const QUEUE_NAME_PATTERN = /^[a-z0-9_.-]{1,64}$/;
export const MAX_PRIORITY = 9;
