import { Task } from '@app/common';
import { HandlesTasks, TaskHandler } from '@app/consumer';

/** Example: returns the payload's keys as the task's result. */
@TaskHandler('echo')
export class EchoHandler implements HandlesTasks {
  handle(task: Task): { echoed_keys: string[] } {
    return { echoed_keys: Object.keys(task.payload ?? {}).sort() };
  }
}
