import { CreateTaskDto } from '@app/common';

/** What every produced task is made from, and how its fields spread over the run. */
export interface TaskTemplate {
  task_name: string;
  task_type?: string;
  binding_key?: string;
  priority?: number;
  payload?: Record<string, unknown>;
  scheduled_time?: string;
  periodicity?: string;
  max_retries?: number;
  /** Task i gets task_types[i % length]; overrides task_type. */
  task_types?: string[];
  /** Task i gets min + i % (max - min + 1); overrides priority. */
  priority_range?: number[];
  /** Scheduled times spread evenly over this many seconds from scheduled_time (or the start). */
  schedule_spread_seconds?: number;
}

/** The body of one task as the broker takes it: only the fields that were given, so its defaults apply. */
export type TaskBody = Omit<CreateTaskDto, 'id'> & { id: string };

/**
 * The task at `index` of a run of `count` started at `startMs`. Deterministic, so the spread is even
 * and tests can predict it; the id comes from the caller, who makes it before the first attempt.
 */
export function taskAt(template: TaskTemplate, index: number, count: number, startMs: number, id: string): TaskBody {
  const types = template.task_types;
  const task: TaskBody = {
    id,
    task_name: template.task_name,
    task_type: types?.length ? types[index % types.length] : template.task_type!,
  };
  if (template.binding_key !== undefined) task.binding_key = template.binding_key;

  const range = template.priority_range;
  if (range) task.priority = range[0] + (index % (range[1] - range[0] + 1));
  else if (template.priority !== undefined) task.priority = template.priority;

  if (template.payload !== undefined) task.payload = template.payload;

  const spread = template.schedule_spread_seconds;
  if (spread) {
    const base = template.scheduled_time ? Date.parse(template.scheduled_time) : startMs;
    task.scheduled_time = new Date(base + Math.floor((index * spread * 1000) / count)).toISOString();
  } else if (template.scheduled_time !== undefined) {
    task.scheduled_time = template.scheduled_time;
  }

  if (template.periodicity !== undefined) task.periodicity = template.periodicity;
  if (template.max_retries !== undefined) task.max_retries = template.max_retries;
  return task;
}
