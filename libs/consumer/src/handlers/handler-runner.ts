import { Task } from '@app/common';
import { Logger } from '@nestjs/common';
import { HandlesTasks, TaskContext, TaskHandlerMetadata } from './task-handler';

export type RunOutcome =
  { outcome: 'ok'; result: unknown } | { outcome: 'failed' | 'timed_out' | 'cancelled'; error: string };

export type ProgressSink = (taskId: string, value: number | Record<string, unknown>) => Promise<void>;

class TimedOut extends Error {}
class Cancelled extends Error {}

/**
 * Runs one handler's tasks, at most `concurrency` at once: tasks over that wait their turn here,
 * so a busy type never takes another type's slots. Each run gets an AbortSignal that fires after
 * `timeoutMs` (the run then fails as timed_out, whether or not the handler noticed) or when the
 * consumer aborts everything at shutdown. A slot is freed only when the handler really ends, so a
 * handler that ignores its signal cannot pile up more than `concurrency` runs.
 */
export class HandlerRunner {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly controllers = new Set<AbortController>();
  /** Set by abortAll: tasks still waiting for a slot end without running. */
  private abortedWith?: string;

  constructor(
    readonly metadata: TaskHandlerMetadata,
    private readonly handler: HandlesTasks,
    private readonly logger: Logger,
  ) {}

  get taskType(): string {
    return this.metadata.taskType;
  }

  /** Tasks running now and waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.active, waiting: this.waiting.length };
  }

  /**
   * Runs the task once a slot is free; `onStart` is called as the handler starts (not for a task
   * ended while waiting). `cancel` aborting (the task was cancelled) ends the run as cancelled, or
   * before it starts if it is still waiting.
   */
  async run(task: Task, progress: ProgressSink, onStart?: () => void, cancel?: AbortSignal): Promise<RunOutcome> {
    // A freed slot is handed straight to the next waiter, so `active` never passes concurrency.
    if (this.active < this.metadata.concurrency) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.abortedWith !== undefined) {
      this.release();
      return { outcome: 'failed', error: this.abortedWith };
    }
    if (cancel?.aborted) {
      this.release();
      return { outcome: 'cancelled', error: 'cancelled before it started' };
    }
    onStart?.();
    const controller = new AbortController();
    this.controllers.add(controller);
    const onCancel = () => controller.abort(new Cancelled('cancelled while running'));
    cancel?.addEventListener('abort', onCancel, { once: true });
    const timer = setTimeout(
      () => controller.abort(new TimedOut(`ran past its timeout of ${this.metadata.timeoutMs} ms`)),
      this.metadata.timeoutMs,
    );
    let ended = false;
    const ctx: TaskContext = {
      signal: controller.signal,
      attempt: task.attempts ?? 1,
      // A run that outlived its timeout must not overwrite the progress of the task's next attempt.
      progress: async (value) => (ended ? undefined : progress(task.id, value)),
      logger: this.logger,
    };
    const work = Promise.resolve().then(() => this.handler.handle(task, ctx));
    void work
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        cancel?.removeEventListener('abort', onCancel);
        this.controllers.delete(controller);
        this.release();
      });
    // This controller is aborted only with an Error (Cancelled, TimedOut, or a drain's reason).
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }),
    );
    try {
      return { outcome: 'ok', result: await Promise.race([work, aborted]) };
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      const message = reason instanceof Error ? reason.message : String(reason);
      return {
        outcome: reason instanceof TimedOut ? 'timed_out' : reason instanceof Cancelled ? 'cancelled' : 'failed',
        error: message,
      };
    } finally {
      ended = true;
    }
  }

  /** Aborts the running handlers; those waiting for a slot, and any that come later, end without running. */
  abortAll(reason: string): void {
    this.abortedWith = reason;
    for (const controller of this.controllers) controller.abort(new Error(reason));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
