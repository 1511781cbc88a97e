import { backoffDelay, Task } from '@app/common';
import { Logger } from '@nestjs/common';
import { Ack } from '../broker-link/broker-client.service';
import { HandlerRegistry } from '../handlers/handler-registry.service';
import { StoreRequest, TaskStore } from '../task-store/task-store.service';

export interface BufferedDelivery {
  deliveryId: string;
  task: Task;
}

/** Tasks taken from the buffer per round: one Redis pipeline, one batch of acks. */
const ROUND_SIZE = 500;
const STORE_RETRY = { baseMs: 50, factor: 2, capMs: 1_000 };
const MAX_ERROR_LENGTH = 2_000;
/** Storing retries this many times (Redis paused or restarting) before leaving it to redelivery. */
const STORE_ATTEMPTS = 12;

/**
 * One internal consumer: a bounded buffer and a loop that handles, stores and acks what is in it.
 * It acks only after the store succeeded; if Redis stays unreachable it drops the round unacked,
 * and the broker redelivers it after the ack timeout.
 */
export class InternalConsumer {
  private readonly logger: Logger;
  private readonly buffer: BufferedDelivery[] = [];
  private running?: Promise<void>;
  /** Tasks taken out of the buffer for the round being processed: they still count against it. */
  private inRound = 0;

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
    return this.capacity - this.buffer.length - this.inRound;
  }

  /** Buffers deliveries; the caller checked room() first. */
  push(deliveries: BufferedDelivery[]): void {
    this.buffer.push(...deliveries);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once the buffer is empty and the last round is acked. */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length) {
      const round = this.buffer.splice(0, ROUND_SIZE);
      this.inRound = round.length;
      try {
        await this.process(round);
      } finally {
        this.inRound = 0;
      }
    }
  }

  private async process(round: BufferedDelivery[]): Promise<void> {
    const acks: Ack[] = [];
    const toStore: Array<StoreRequest & { deliveryId: string }> = [];
    for (const delivery of round) {
      const handler = this.handlers.for(delivery.task.task_type);
      if (!handler) {
        toStore.push({ id: delivery.task.id, deliveryId: delivery.deliveryId });
        continue;
      }
      try {
        const result = await handler.handle(delivery.task);
        // Serialised here, so a result that is not JSON fails its own task, not the whole round's store.
        toStore.push({ id: delivery.task.id, deliveryId: delivery.deliveryId, result: result === undefined ? undefined : JSON.stringify(result) });
      } catch (error) {
        // The broker refuses longer errors, and would refuse the whole ack batch with them.
        const message = `${handler.taskType} handler: ${(error as Error).message}`.slice(0, MAX_ERROR_LENGTH);
        acks.push({ delivery_id: delivery.deliveryId, ok: false, error: message });
      }
    }
    if (toStore.length && (await this.storeWithRetry(toStore))) {
      acks.push(...toStore.map((request) => ({ delivery_id: request.deliveryId, ok: true })));
    }
    if (acks.length) this.sendAcks(acks);
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
