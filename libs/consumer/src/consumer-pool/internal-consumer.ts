import { backoffDelay, MAX_RESULT_BYTES, Task } from '@app/common';
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
  /** How long the broker leases it for (ms): LeaseKeeper extends it while this consumer holds it. */
  leaseMs?: number;
}

/** A delivery taken out of the buffer and not yet acked; `cancel` aborts its run if its task is cancelled. */
interface Holding {
  delivery: BufferedDelivery;
  cancel: AbortController;
}

type StoreItem = StoreRequest & { holding: Holding };

/** Tasks taken from the buffer per round: one Redis call, one batch of acks. */
const ROUND_SIZE = 500;
const STORE_RETRY = { baseMs: 50, factor: 2, capMs: 1_000 };
const MAX_ERROR_LENGTH = 2_000;
/** Storing retries this many times (Redis paused or restarting) before leaving it to redelivery. */
const STORE_ATTEMPTS = 12;

/**
 * One internal consumer: a bounded buffer and a loop that empties it. Tasks without a handler, and
 * tasks not yet due (stored to await their run), are stored a round at a time; a due task with a
 * handler goes to that handler's runner and is not waited for, so a slow type never holds up the
 * others, and is stored with its result as soon as it ends (those that end together share one store
 * call). Every task counts against the buffer until it is acked. It acks only after the store
 * succeeded; if Redis stays unreachable it drops the batch unacked, and the broker redelivers it
 * after the ack timeout.
 */
export class InternalConsumer {
  private readonly logger: Logger;
  private readonly buffer: BufferedDelivery[] = [];
  private draining?: Promise<void>;
  /** Tasks taken out of the buffer and not yet acked (stored in a round, or with their handler). */
  private readonly holding = new Set<Holding>();
  /** Delivery ids buffered or held: a delivery posted again while it is here is not taken twice. */
  private readonly heldIds = new Set<string>();
  private readonly handled = new Set<Promise<void>>();
  /** Handler tasks that ended well, waiting for the next store call. */
  private finished: StoreItem[] = [];
  private storing?: Promise<void>;
  /**
   * Set at shutdown once the grace period is over: runs cut off from then on are reported lost (not counted), for
   * redelivery elsewhere.
   */
  private abandoned = false;

  constructor(
    readonly index: number,
    readonly capacity: number,
    private readonly handlers: HandlerRegistry,
    private readonly store: TaskStore,
    private readonly sendAcks: (acks: Ack[]) => void,
    /** The id the broker gave this consumer, for the log lines of failed tasks. */
    private readonly consumerId: () => string | undefined = () => undefined,
  ) {
    this.logger = new Logger(`InternalConsumer#${index}`);
  }

  get size(): number {
    return this.buffer.length;
  }

  room(): number {
    return this.capacity - this.buffer.length - this.holding.size;
  }

  holds(deliveryId: string): boolean {
    return this.heldIds.has(deliveryId);
  }

  /** Every delivery this consumer holds, buffered or taken out: their leases must stay alive. */
  heldDeliveries(): BufferedDelivery[] {
    return [...this.buffer, ...[...this.holding].map((held) => held.delivery)];
  }

  /**
   * Stops deliveries whose task was cancelled, or that went stale (the task went out again):
   * buffered ones are dropped, running ones have their signal aborted. None is acked.
   */
  cancel(deliveryIds: ReadonlySet<string>): void {
    for (let i = this.buffer.length - 1; i >= 0; i--) {
      if (!deliveryIds.has(this.buffer[i].deliveryId)) continue;
      this.heldIds.delete(this.buffer[i].deliveryId);
      this.buffer.splice(i, 1);
    }
    for (const held of this.holding) if (deliveryIds.has(held.delivery.deliveryId)) held.cancel.abort();
  }

  /** Buffers deliveries; the caller checked room() first. */
  push(deliveries: BufferedDelivery[]): void {
    this.buffer.push(...deliveries);
    for (const delivery of deliveries) this.heldIds.add(delivery.deliveryId);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves once the buffer is empty and every task taken from it is acked. */
  async whenIdle(): Promise<void> {
    while (this.draining || this.handled.size || this.storing) {
      await Promise.allSettled([this.draining, this.storing, ...this.handled]);
    }
  }

  /**
   * From now on a handler run that ends without success (aborted at shutdown) is reported lost: the broker redelivers
   * it elsewhere.
   */
  abandonRunning(): void {
    this.abandoned = true;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length) {
      const round = this.buffer.splice(0, ROUND_SIZE);
      const stored: StoreItem[] = [];
      const toRun: Array<{ runner: HandlerRunner; holding: Holding }> = [];
      for (const delivery of round) {
        const holding = { delivery, cancel: new AbortController() };
        this.holding.add(holding);
        const { id } = delivery.task;
        const runner = this.handlers.for(delivery.task.task_type);
        if (runner && delivery.due) toRun.push({ runner, holding });
        else if (runner) stored.push({ id, deliveryId: delivery.deliveryId, holding, mode: StoreMode.AwaitRun });
        else if (this.handlers.storesAnyType)
          stored.push({ id, deliveryId: delivery.deliveryId, holding, mode: StoreMode.StoreOnly });
        else this.refuse(holding);
      }
      if (toRun.length) await this.runVerified(toRun);
      if (stored.length) {
        await this.storeAndAck(stored);
        for (const item of stored) this.release(item.holding);
      }
    }
  }

  /**
   * Runs each task as Redis has it, not as the body said, and only if the delivery is the task's
   * current one: a forged or replayed POST /deliveries never runs a handler. Unverifiable ones are
   * dropped unacked; the broker's lease decides what happens to them.
   */
  private async runVerified(toRun: Array<{ runner: HandlerRunner; holding: Holding }>): Promise<void> {
    let tasks: Array<Task | undefined>;
    try {
      tasks = await this.store.readDelivered(
        toRun.map(({ holding }) => ({ id: holding.delivery.task.id, deliveryId: holding.delivery.deliveryId })),
      );
    } catch (error) {
      this.logger.warn(
        `reading ${toRun.length} delivered tasks failed (${(error as Error).message}); the broker redelivers them`,
      );
      tasks = [];
    }
    let dropped = 0;
    toRun.forEach(({ runner, holding }, i) => {
      const task = tasks[i];
      if (task) {
        holding.delivery = { ...holding.delivery, task };
        this.track(this.runAndStore(runner, holding));
      } else {
        dropped++;
        this.release(holding);
      }
    });
    if (dropped)
      this.logger.warn(
        `did not run ${dropped} deliveries: ` +
          "in Redis they are not their task's current delivery (stale, replayed or forged)",
      );
  }

  /** The delivery is done here: acked, refused, dropped or cancelled. */
  private release(holding: Holding): void {
    this.holding.delete(holding);
    this.heldIds.delete(holding.delivery.deliveryId);
  }

  /**
   * A type this consumer neither runs nor stores (a misroute): failed, so the broker retries it on a capable consumer.
   */
  private refuse(holding: Holding): void {
    const { delivery } = holding;
    const error = `consumer does not run task_type ${delivery.task.task_type}`;
    this.logger.warn(`task ${delivery.task.id}: ${error}`);
    this.sendAcks([{ delivery_id: delivery.deliveryId, ok: false, error }]);
    this.release(holding);
  }

  private track(run: Promise<void>): void {
    const tracked = run
      // Left unacked, the task is redelivered after the ack timeout.
      .catch((error: Error) => this.logger.error(`handling a task failed unexpectedly: ${error.message}`))
      .finally(() => this.handled.delete(tracked));
    this.handled.add(tracked);
  }

  private async runAndStore(runner: HandlerRunner, holding: Holding): Promise<void> {
    const { delivery } = holding;
    try {
      let startedMs: number | undefined;
      const run = await runner.run(
        delivery.task,
        (id, value) => this.recordProgress(id, delivery.deliveryId, value),
        () => {
          startedMs = this.store.markRunning(delivery.task.id, delivery.deliveryId);
        },
        holding.cancel.signal,
      );
      if (run.outcome === 'cancelled') {
        this.logger.log(`task ${delivery.task.id} (${runner.taskType}) was cancelled: ${run.error}`);
        return;
      }
      // A run that ended well even now is stored like any other; only a cut-off one is lost.
      if (this.abandoned && run.outcome !== 'ok') {
        // Not the task's fault: the broker sends it out again without counting this attempt.
        const error = `the consumer shut down before the ${runner.taskType} handler finished`;
        this.sendAcks([{ delivery_id: delivery.deliveryId, ok: false, outcome: 'lost', error }]);
        return;
      }
      let failure = run.outcome === 'ok' ? undefined : `${run.outcome}: ${run.error}`;
      let result: string | undefined;
      if (run.outcome === 'ok' && run.result !== undefined) {
        try {
          result = JSON.stringify(run.result);
          if (Buffer.byteLength(result) > MAX_RESULT_BYTES)
            failure = `failed: the result is over ${MAX_RESULT_BYTES} bytes of JSON`;
        } catch (error) {
          failure = `failed: the result is not JSON (${(error as Error).message})`;
        }
      }
      if (failure) {
        this.logger.warn(
          `task ${delivery.task.id} (${runner.taskType}, attempt ${delivery.task.attempts ?? 1}) ${failure}`,
          {
            taskId: delivery.task.id,
            taskType: runner.taskType,
            queue: delivery.task.queue,
            consumerId: this.consumerId(),
            attempt: delivery.task.attempts ?? 1,
            outcome: run.outcome === 'ok' ? 'failed' : run.outcome,
          },
        );
        const outcome = run.outcome === 'timed_out' ? 'timed_out' : 'failed';
        this.sendAcks([
          {
            delivery_id: delivery.deliveryId,
            ok: false,
            outcome,
            error: `${runner.taskType} handler ${failure}`.slice(0, MAX_ERROR_LENGTH),
          },
        ]);
        return;
      }
      this.finished.push({
        id: delivery.task.id,
        deliveryId: delivery.deliveryId,
        holding,
        mode: StoreMode.Ran,
        result,
        startedMs,
      });
      await this.flushFinished();
    } finally {
      this.release(holding);
    }
  }

  /** A bad value is the handler's mistake and reaches it; Redis failing to record progress must not fail the task. */
  private async recordProgress(id: string, deliveryId: string, value: unknown): Promise<void> {
    try {
      await this.store.recordProgress(id, deliveryId, value);
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
    const stored = await this.storeWithRetry(items);
    const acks = items.filter((_, i) => stored[i]).map((item) => ({ delivery_id: item.deliveryId, ok: true }));
    if (acks.length) this.sendAcks(acks);
  }

  /** Per request whether to ack it; none when Redis stayed unreachable. */
  private async storeWithRetry(requests: StoreRequest[]): Promise<boolean[]> {
    for (let attempt = 1; attempt <= STORE_ATTEMPTS; attempt++) {
      try {
        return await this.store.storeMany(requests);
      } catch (error) {
        this.logger.warn(`storing ${requests.length} tasks failed (attempt ${attempt}): ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, STORE_RETRY)));
      }
    }
    this.logger.error(`gave up storing ${requests.length} tasks; the broker will redeliver them`);
    return [];
  }
}
