import { TASK_TYPE_PATTERN } from '@app/common';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { HandlerRunner } from './handler-runner';
import { HandlesTasks, TASK_HANDLER_METADATA, TaskHandlerMetadata } from './task-handler';

export class DuplicateHandlerError extends Error {
  constructor(taskType: string) {
    super(`two task handlers are registered for task_type "${taskType}"`);
    this.name = 'DuplicateHandlerError';
  }
}

export class InvalidHandlerError extends Error {
  constructor(className: string, reason: string) {
    super(`task handler ${className}: ${reason}`);
    this.name = 'InvalidHandlerError';
  }
}

/**
 * Finds every provider marked @TaskHandler in the app (in any module) at start, the way
 * @nestjs/bullmq's explorer finds @Processor classes, and gives each a HandlerRunner. Types
 * without a handler are simply stored. A wiring mistake (two handlers for one type, a bad type or
 * option, no handle method) fails the start.
 */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger(HandlerRegistry.name);
  private readonly runners = new Map<string, HandlerRunner>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.metatype || !wrapper.instance) continue;
      const metadata = this.reflector.get<TaskHandlerMetadata | undefined>(TASK_HANDLER_METADATA, wrapper.metatype);
      if (metadata) this.add(metadata, wrapper.instance as HandlesTasks, wrapper.metatype.name);
    }
    this.logger.log(`task handlers: ${[...this.runners.keys()].sort().join(', ') || 'none'}`);
  }

  /** Registers one handler; exported for tests of the checks. */
  add(metadata: TaskHandlerMetadata, instance: HandlesTasks, className = 'handler'): void {
    const { taskType, concurrency, timeoutMs } = metadata;
    if (!TASK_TYPE_PATTERN.test(taskType)) throw new InvalidHandlerError(className, `task_type "${taskType}" must match ${TASK_TYPE_PATTERN}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidHandlerError(className, 'concurrency must be an integer of at least 1');
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new InvalidHandlerError(className, 'timeoutMs must be an integer of at least 1');
    if (typeof instance.handle !== 'function') throw new InvalidHandlerError(className, 'it has no handle(task, ctx) method');
    if (this.runners.has(taskType)) throw new DuplicateHandlerError(taskType);
    this.runners.set(taskType, new HandlerRunner(metadata, instance, new Logger(`${className}(${taskType})`)));
  }

  /** The runner of a type, or undefined when the default (store only) applies. */
  for(taskType: string): HandlerRunner | undefined {
    return this.runners.get(taskType);
  }

  /** Aborts every running handler (shutdown past its grace period). */
  abortAll(reason: string): void {
    for (const runner of this.runners.values()) runner.abortAll(reason);
  }
}
