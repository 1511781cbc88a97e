import { Task } from '@app/common';
import { applyDecorators, Injectable, Logger, SetMetadata } from '@nestjs/common';

/** What a handler gets beside its task. */
export interface TaskContext {
  /** Aborted when the handler's timeout passes or the consumer shuts down: stop work when it fires. */
  signal: AbortSignal;
  /** This delivery's attempt, 1 for the first. */
  attempt: number;
  /** Records progress on the task (a number 0..100 or a small JSON object), shown by GET /tasks/:id. */
  progress(value: number | Record<string, unknown>): Promise<void>;
  logger: Logger;
}

/**
 * A class marked `@TaskHandler(type)`: whatever `handle` returns or resolves to (JSON) is stored as
 * the task's result; a throw, or running past `timeoutMs`, acks the delivery as failed so it is retried.
 */
export interface HandlesTasks {
  /** A value or a promise of one (`unknown` covers both). */
  handle(task: Task, ctx: TaskContext): unknown;
}

export interface TaskHandlerOptions {
  /** Tasks of this type run at once in one consumer process (default 10). */
  concurrency?: number;
  /** Longest run, ms: then the signal aborts and the attempt fails as timed_out (default 5 min). */
  timeoutMs?: number;
}

export interface TaskHandlerMetadata extends Required<TaskHandlerOptions> {
  taskType: string;
}

export const DEFAULT_HANDLER_CONCURRENCY = 10;
export const DEFAULT_HANDLER_TIMEOUT_MS = 5 * 60_000;

/** Metadata key HandlerRegistry looks for, the way @nestjs/bullmq marks a @Processor. */
export const TASK_HANDLER_METADATA = Symbol('TASK_HANDLER_METADATA');

/** Marks an injectable class as the handler of one task_type; HandlerRegistry finds it at start. */
export function TaskHandler(taskType: string, options: TaskHandlerOptions = {}): ClassDecorator {
  const metadata: TaskHandlerMetadata = {
    taskType,
    concurrency: options.concurrency ?? DEFAULT_HANDLER_CONCURRENCY,
    timeoutMs: options.timeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
  };
  return applyDecorators(Injectable(), SetMetadata(TASK_HANDLER_METADATA, metadata));
}
