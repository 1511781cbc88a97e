import { Inject, Injectable } from '@nestjs/common';
import { TASK_HANDLERS, TaskHandler } from './task-handler';

export class DuplicateHandlerError extends Error {
  constructor(taskType: string) {
    super(`two task handlers are registered for task_type "${taskType}"`);
    this.name = 'DuplicateHandlerError';
  }
}

/**
 * Picks the handler for a task_type. Types without a handler are simply stored (the default
 * handler). Two handlers for one type is a wiring mistake and fails the start.
 */
@Injectable()
export class HandlerRegistry {
  private readonly handlers = new Map<string, TaskHandler>();

  constructor(@Inject(TASK_HANDLERS) handlers: TaskHandler[]) {
    for (const handler of handlers) {
      if (this.handlers.has(handler.taskType)) throw new DuplicateHandlerError(handler.taskType);
      this.handlers.set(handler.taskType, handler);
    }
  }

  /** The handler of a type, or undefined when the default (store only) applies. */
  for(taskType: string): TaskHandler | undefined {
    return this.handlers.get(taskType);
  }
}
