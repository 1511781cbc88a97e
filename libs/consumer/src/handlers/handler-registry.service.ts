import { ANY_TYPE, TASK_TYPE_PATTERN } from '@app/common';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { ConsumerEnvironment } from '../config/environment';
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
  /** HANDLED_TYPES as configured; `*` alone (the default) offers every handler. */
  private readonly handledTypes: string[];
  private offered = new Set<string>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    config: ConfigService<ConsumerEnvironment, true>,
  ) {
    this.handledTypes = config.get('HANDLED_TYPES', { infer: true }).split(',');
  }

  onModuleInit(): void {
    const seen = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      // A class provided by two modules is one handler; a request-scoped one has no instance to run.
      if (!wrapper.metatype || !wrapper.instance || seen.has(wrapper.metatype)) continue;
      seen.add(wrapper.metatype);
      const metadata = this.reflector.get<TaskHandlerMetadata | undefined>(TASK_HANDLER_METADATA, wrapper.metatype);
      if (metadata) this.add(metadata, wrapper.instance as HandlesTasks, wrapper.metatype.name);
    }
    const missing = this.handledTypes.filter((type) => type !== ANY_TYPE && !this.runners.has(type));
    if (missing.length) throw new InvalidHandlerError('HANDLED_TYPES', `no handler for ${missing.join(', ')}`);
    this.logger.log(`offers: ${this.types().join(', ') || 'nothing'}`);
  }

  /**
   * What this consumer registers with the broker: the handled types, and `*` when it stores tasks
   * of types no live consumer has a handler for. HANDLED_TYPES `*` alone offers every handler.
   */
  types(): string[] {
    const named = this.handledTypes.filter((type) => type !== ANY_TYPE);
    const handled = named.length ? named : [...this.runners.keys()];
    return [...new Set(handled)].sort().concat(this.handledTypes.includes(ANY_TYPE) ? [ANY_TYPE] : []);
  }

  /** Whether this consumer stores, without running anything, tasks of a type it offers no handler for. */
  get storesAnyType(): boolean {
    return this.handledTypes.includes(ANY_TYPE);
  }

  /** Registers one handler; exported for tests of the checks. */
  add(metadata: TaskHandlerMetadata, instance: HandlesTasks, className = 'handler'): void {
    const { taskType, concurrency, timeoutMs } = metadata;
    if (!TASK_TYPE_PATTERN.test(taskType))
      throw new InvalidHandlerError(className, `task_type "${taskType}" must match ${TASK_TYPE_PATTERN}`);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new InvalidHandlerError(className, 'concurrency must be an integer of at least 1');
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new InvalidHandlerError(className, 'timeoutMs must be an integer of at least 1');
    if (typeof instance.handle !== 'function')
      throw new InvalidHandlerError(className, 'it has no handle(task, ctx) method');
    if (this.runners.has(taskType)) throw new DuplicateHandlerError(taskType);
    this.runners.set(taskType, new HandlerRunner(metadata, instance, new Logger(`${className}(${taskType})`)));
    this.offered = new Set(this.types());
  }

  /** The runner of a type this consumer offers, or undefined when it has none (then it may only store the task). */
  for(taskType: string): HandlerRunner | undefined {
    return this.offered.has(taskType) ? this.runners.get(taskType) : undefined;
  }

  /** Aborts every running handler (shutdown past its grace period). */
  abortAll(reason: string): void {
    for (const runner of this.runners.values()) runner.abortAll(reason);
  }
}
