import { backoffDelay, Task } from '@app/common';
import { Logger } from '@nestjs/common';
import { Ack } from '../broker-link/broker-client.service';
import { HandlerRegistry } from '../handlers/handler-registry.service';
import { HandlerRunner } from '../handlers/handler-runner';
import { StoreMode } from '@app/redis';
import { InvalidProgressError, StoreRequest, TaskStore } from '../task-store/task-store.service';

export interface BufferedDelivery {
  deliveryId: string;
  task: Task;
  /** Run now; otherwise a task with a handler is stored to await its time. */
  due: boolean;
}

type StoreItem = StoreRequest & { deliveryId: string };

/** Tasks taken from the buffer per round: one Redis call, one batch of acks. */
const ROUND_SIZE = 500;
const STORE_RETRY = { baseMs: 50, factor: 2, capMs: 1_000 };
const MAX_ERROR_LENGTH = 2_000;
/** Largest result a handler may return, as JSON; a bigger one fails its attempt. */
export const MAX_RESULT_BYTES = 64 * 1024;
/** Storing retries this many times (Redis paused or restarting) before leaving it to redelivery. */
const STORE_ATTEMPTS = 12;

/**
 * One internal consumer: a bounded buffer and a loop that empties it. Tasks without a handler, and
 * tasks not yet due (stored to await their run), are stored a round at a time; a due task with a
 * handler goes to that handler's runner and is not waited for, so a slow type never holds up the others, and is stored with its result as soon as it ends
 * (those that end together share one store call). Every task counts against the buffer until it is
 * acked. It acks only after the store succeeded; if Redis stays unreachable it drops the batch
 * unacked, and the broker redelivers it after the ack timeout.
 */
export class InternalConsumer {
  private readonly logger: Logger;
  private readonly buffer: BufferedDelivery[] = [];
  private draining?: Promise<void>;
  /** Tasks taken out of the buffer and not yet acked (stored in a round, or with their handler). */
  private held = 0;
  private readonly handled = new Set<Promise<void>>();
  /** Handler tasks that ended well, waiting for the next store call. */
  private finished: StoreItem[] = [];
  private storing?: Promise<void>;
  /** Set at shutdown once the grace period is over: aborted runs are left unacked for redelivery. */
  private abandoned = false;

  constructor(
    readonly index: number,
    readonly capacity: number,
    private readonly handlers: HandlerRegistry,
    private readonly store: TaskStore,
    private readonly sendAcks: (acks: Ack[]) => void,
  ) {
    this.logger = new Logger(`InternalConsumer#${index}`);
  }

  get size(): number {
    return this.buffer.length;
  }

  room(): number {
    return this.capacity - this.buffer.length - this.held;
  }

  /** Buffers deliveries; the caller checked room() first. */
  push(deliveries: BufferedDelivery[]): void {
    this.buffer.push(...deliveries);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once the buffer is empty and every task taken from it is acked. */
  async whenIdle(): Promise<void> {
    while (this.draining || this.handled.size || this.storing) {
      await Promise.allSettled([this.draining, this.storing, ...this.handled]);
    }
  }

  /** From now on a handler run that ends (aborted at shutdown) is not acked: the broker redelivers it. */
  abandonRunning(): void {
    this.abandoned = true;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length) {
      const round = this.buffer.splice(0, ROUND_SIZE);
      this.held += round.length;
      const stored: StoreItem[] = [];
      for (const delivery of round) {
        const { id } = delivery.task;
        const runner = this.handlers.for(delivery.task.task_type);
        if (runner && delivery.due) this.track(this.runAndStore(runner, delivery));
        else if (runner) stored.push({ id, deliveryId: delivery.deliveryId, mode: StoreMode.AwaitRun });
        else if (this.handlers.storesAnyType) stored.push({ id, deliveryId: delivery.deliveryId, mode: StoreMode.StoreOnly });
        else this.refuse(delivery);
      }
      if (stored.length) {
        await this.storeAndAck(stored);
        this.held -= stored.length;
      }
    }
  }

  /** A type this consumer neither runs nor stores (a misroute): failed, so the broker retries it on a capable consumer. */
  private refuse(delivery: BufferedDelivery): void {
    const error = `consumer does not run task_type ${delivery.task.task_type}`;
    this.logger.warn(`task ${delivery.task.id}: ${error}`);
    this.sendAcks([{ delivery_id: delivery.deliveryId, ok: false, error }]);
    this.held--;
  }

  private track(run: Promise<void>): void {
    const tracked = run
      // Left unacked, the task is redelivered after the ack timeout.
      .catch((error: Error) => this.logger.error(`handling a task failed unexpectedly: ${error.message}`))
      .finally(() => this.handled.delete(tracked));
    this.handled.add(tracked);
  }

  private async runAndStore(runner: HandlerRunner, delivery: BufferedDelivery): Promise<void> {
    try {
      let startedMs: number | undefined;
      const run = await runner.run(
        delivery.task,
        (id, value) => this.recordProgress(id, value),
        () => {
          startedMs = this.store.markRunning(delivery.task.id);
        },
      );
      if (this.abandoned) return;
      let failure = run.outcome === 'ok' ? undefined : `${run.outcome}: ${run.error}`;
      let result: string | undefined;
      if (run.outcome === 'ok' && run.result !== undefined) {
        try {
          result = JSON.stringify(run.result);
          if (Buffer.byteLength(result) > MAX_RESULT_BYTES) failure = `failed: the result is over ${MAX_RESULT_BYTES} bytes of JSON`;
        } catch (error) {
          failure = `failed: the result is not JSON (${(error as Error).message})`;
        }
      }
      if (failure) {
        this.logger.warn(`task ${delivery.task.id} (${runner.taskType}, attempt ${delivery.task.attempts ?? 1}) ${failure}`);
        const outcome = run.outcome === 'timed_out' ? 'timed_out' : 'failed';
        this.sendAcks([{ delivery_id: delivery.deliveryId, ok: false, outcome, error: `${runner.taskType} handler ${failure}`.slice(0, MAX_ERROR_LENGTH) }]);
        return;
      }
      this.finished.push({ id: delivery.task.id, deliveryId: delivery.deliveryId, mode: StoreMode.Ran, result, startedMs });
      await this.flushFinished();
    } finally {
      this.held--;
    }
  }

  /** A bad value is the handler's mistake and reaches it; Redis failing to record progress must not fail the task. */
  private async recordProgress(id: string, value: unknown): Promise<void> {
    try {
      await this.store.recordProgress(id, value);
    } catch (error) {
      if (error instanceof InvalidProgressError) throw error;
      this.logger.warn(`recording progress of task ${id} failed: ${(error as Error).message}`);
    }
  }

  /** Stores what has finished in one call; tasks that finish meanwhile wait for the next one. */
  private async flushFinished(): Promise<void> {
    while (this.storing) await this.storing;
    if (this.finished.length === 0) return;
    const batch = this.finished.splice(0, ROUND_SIZE);
    this.storing = this.storeAndAck(batch).finally(() => (this.storing = undefined));
    await this.storing;
  }

  private async storeAndAck(items: StoreItem[]): Promise<void> {
    if (await this.storeWithRetry(items)) this.sendAcks(items.map((item) => ({ delivery_id: item.deliveryId, ok: true })));
  }

  private async storeWithRetry(requests: StoreRequest[]): Promise<boolean> {
    for (let attempt = 1; attempt <= STORE_ATTEMPTS; attempt++) {
      try {
        await this.store.storeMany(requests);
        return true;
      } catch (error) {
        this.logger.warn(`storing ${requests.length} tasks failed (attempt ${attempt}): ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, STORE_RETRY)));
      }
    }
    this.logger.error(`gave up storing ${requests.length} tasks; the broker will redeliver them`);
    return false;
  }
}
