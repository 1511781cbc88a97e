import { Task } from '@app/common';
import { HandlesTasks, TaskContext, TaskHandler } from '@app/consumer';

/**
 * Example: throws `payload.message`. With `payload.times`, only the first `times` attempts fail and
 * the next one succeeds, which shows a retry at work.
 */
@TaskHandler('fail')
export class FailHandler implements HandlesTasks {
  handle(task: Task, ctx: TaskContext): { failed_attempts: number } {
    const times = task.payload?.times;
    const failing = typeof times === 'number' ? ctx.attempt <= times : true;
    if (failing)
      throw new Error(typeof task.payload?.message === 'string' ? task.payload.message : 'failed on purpose');
    return { failed_attempts: ctx.attempt - 1 };
  }
}
