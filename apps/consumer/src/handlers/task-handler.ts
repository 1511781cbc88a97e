import { Task } from '@app/common';

/**
 * Handles tasks of one task_type before they are stored. Whatever `handle` returns is stored with
 * the task as its result; a throw acks the delivery as failed, with the error, so it is retried.
 */
export interface TaskHandler {
  readonly taskType: string;
  handle(task: Task): Promise<unknown>;
}

/** Injection token of the app's list of TaskHandlers. */
export const TASK_HANDLERS = Symbol('TASK_HANDLERS');
