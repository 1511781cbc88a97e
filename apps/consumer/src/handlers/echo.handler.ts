import { Task } from '@app/common';
import { TaskHandler } from './task-handler';

/** An example handler: stores a summary of the payload as the task's result. */
export class EchoHandler implements TaskHandler {
  readonly taskType = 'echo';

  async handle(task: Task): Promise<unknown> {
    return { echoed_keys: Object.keys(task.payload ?? {}).sort() };
  }
}
