import { isInt, isISO8601, isObject, length, matches, max, min } from 'class-validator';
import { isPeriodicity } from '../periodicity/periodicity';
import { MAX_PRIORITY, TASK_ID_PATTERN, TASK_TYPE_PATTERN } from '../task/task.model';
import { isPlainObject } from '../app/batch-body';
import { CreateTaskDto, hasTimeZone, isNotBeforeEpoch, isReadableTime } from './create-task.dto';

const CREATE_TASK_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'task_name',
  'task_type',
  'binding_key',
  'priority',
  'payload',
  'scheduled_time',
  'periodicity',
  'max_retries',
]);

const isStringMatching = (value: unknown, pattern: RegExp) => typeof value === 'string' && matches(value, pattern);
const isIntIn = (value: unknown, low: number, high: number) => isInt(value) && min(value, low) && max(value, high);

/**
 * Whether a body is a valid CreateTaskDto, checked with the same class-validator functions its
 * decorators run, without class-transformer's copy and the decorator metadata walk, which cost
 * more than the rest of accepting a task. It only answers yes or no, and is stricter where that is
 * simpler (a null optional field is a no): a no goes to the ValidationPipe, which decides and names
 * every problem, so the messages stay class-validator's. `create-task.check.spec.ts` holds the two
 * to the same verdicts.
 */
export function isValidCreateTask(body: unknown): body is CreateTaskDto {
  if (!isPlainObject(body)) return false;
  for (const key in body) if (!CREATE_TASK_FIELDS.has(key)) return false;
  const task = body as Partial<Record<keyof CreateTaskDto, unknown>>;
  return (
    (task.id === undefined || isStringMatching(task.id, TASK_ID_PATTERN)) &&
    typeof task.task_name === 'string' &&
    length(task.task_name, 1, 200) &&
    isStringMatching(task.task_type, TASK_TYPE_PATTERN) &&
    (task.binding_key === undefined || isStringMatching(task.binding_key, TASK_TYPE_PATTERN)) &&
    (task.priority === undefined || isIntIn(task.priority, 0, MAX_PRIORITY)) &&
    (task.payload === undefined || (isObject(task.payload) && isPlainObject(task.payload))) &&
    (task.scheduled_time === undefined ||
      (typeof task.scheduled_time === 'string' &&
        isISO8601(task.scheduled_time, { strict: true, strictSeparator: true }) &&
        isReadableTime(task.scheduled_time) &&
        hasTimeZone(task.scheduled_time) &&
        isNotBeforeEpoch(task.scheduled_time))) &&
    (task.periodicity === undefined || isPeriodicity(task.periodicity)) &&
    (task.max_retries === undefined || isIntIn(task.max_retries, 0, 25))
  );
}
