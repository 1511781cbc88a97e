import {
  assignRoundRobin,
  Clock,
  DomainError,
  isDueOnDelivery,
  MetricsRegistry,
  RefusalKind,
  Task,
  TASK_ID_PATTERN,
  TASK_TYPE_PATTERN,
} from '@app/common';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { AckBatcher } from '../broker-link/ack-batcher.service';
import { BrokerClient } from '../broker-link/broker-client.service';
import { ConsumerEnvironment } from '../config/environment';
import { HandlerRegistry } from '../handlers/handler-registry.service';
import { TaskStore } from '../task-store/task-store.service';
import { Delivery } from './delivery-batch.pipe';
import { BufferedDelivery, InternalConsumer } from './internal-consumer';

/** The lease assumed until a delivery says its own (the broker's default ACK_TIMEOUT_MS). */
const DEFAULT_LEASE_MS = 30_000;

export class PoolFullError extends DomainError {
  readonly kind = RefusalKind.Busy;
  readonly retryAfterSeconds = 1;
  constructor(readonly consumerIndex: number) {
    super(`internal consumer ${consumerIndex} has no room for this batch`);
  }
}

export class DrainingError extends DomainError {
  readonly kind = RefusalKind.Busy;
  constructor() {
    super('this consumer is shutting down and takes no more deliveries');
  }
}

export class BadDeliveryError extends DomainError {
  readonly kind = RefusalKind.Invalid;
  constructor(index: number, reason: string) {
    super(`deliveries[${index}]: ${reason}`);
  }
}

/**
 * K internal consumers, each a bounded buffer. This instance's queues are spread over them
 * round-robin; a delivery from a queue it does not own (a redelivery from elsewhere) goes to the
 * internal consumer its queue name hashes to. A batch is taken whole or not at all.
 */
@Injectable()
export class ConsumerPool {
  private readonly logger = new Logger(ConsumerPool.name);
  private readonly consumers: InternalConsumer[];
  private queueToConsumer = new Map<string, number>();
  private draining = false;
  private readonly received;
  /** The shortest lease any delivery came with (ms): LeaseKeeper extends within a third of it. */
  private shortestLease = DEFAULT_LEASE_MS;
  private leaseShortened?: () => void;

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly clock: Clock,
    store: TaskStore,
    acks: AckBatcher,
    config: ConfigService<ConsumerEnvironment, true>,
    metrics: MetricsRegistry,
    broker: BrokerClient,
  ) {
    this.consumers = Array.from(
      { length: config.get('WORKERS') },
      (_, i) =>
        new InternalConsumer(
          i,
          config.get('BUFFER_SIZE'),
          handlers,
          store,
          (batch) => acks.add(batch),
          () => broker.registeredId,
        ),
    );
    this.received = metrics.counter('tq_deliveries_received_total', 'Tasks accepted into the buffers');
    metrics.gauge('tq_buffered_tasks', 'Tasks waiting in each internal consumer', ['consumer'], () =>
      this.consumers.map((c) => ({ labels: { consumer: String(c.index) }, value: c.size })),
    );
  }

  /**
   * The largest batch it can take: one queue's deliveries go to one internal consumer, and a batch
   * is taken whole, so a batch bigger than one buffer would be refused every time.
   */
  get capacity(): number {
    return Math.min(...this.consumers.map((c) => c.capacity));
  }

  /** Spreads this instance's queues over its internal consumers. */
  assign(queues: string[]): void {
    const indexes = this.consumers.map((c) => String(c.index));
    const assignment = assignRoundRobin([...queues].sort(), indexes);
    const next = new Map<string, number>();
    for (const [index, owned] of assignment) for (const queue of owned) next.set(queue, Number(index));
    const changed =
      next.size !== this.queueToConsumer.size || [...next].some(([q, i]) => this.queueToConsumer.get(q) !== i);
    if (changed) this.logger.log(`queues: ${[...next].map(([q, i]) => `${q} -> #${i}`).join(', ') || 'none'}`);
    this.queueToConsumer = next;
  }

  /**
   * Buffers a batch; throws PoolFullError (nothing buffered) when any part does not fit. A delivery
   * this consumer already holds (posted again) is not taken twice.
   */
  accept(deliveries: Delivery[]): void {
    if (this.draining) throw new DrainingError();
    const groups = new Map<InternalConsumer, BufferedDelivery[]>();
    const seen = new Set<string>();
    const now = this.clock.now();
    deliveries.forEach((delivery, i) => {
      const task = delivery.task as unknown as Task;
      if (typeof task.id !== 'string' || !TASK_ID_PATTERN.test(task.id))
        throw new BadDeliveryError(i, 'task.id is missing or malformed');
      if (typeof task.task_type !== 'string' || !TASK_TYPE_PATTERN.test(task.task_type))
        throw new BadDeliveryError(i, 'task.task_type is missing or malformed');
      if (seen.has(delivery.delivery_id) || this.consumers.some((c) => c.holds(delivery.delivery_id))) return;
      seen.add(delivery.delivery_id);
      const due =
        delivery.due ??
        isDueOnDelivery(String(task.periodicity ?? 'once'), Date.parse(task.scheduled_time), undefined, now);
      const consumer = this.consumerFor(delivery.queue);
      if (delivery.lease_ms !== undefined && delivery.lease_ms < this.shortestLease) {
        this.shortestLease = delivery.lease_ms;
        this.leaseShortened?.();
      }
      const buffered = { deliveryId: delivery.delivery_id, task, due, leaseMs: delivery.lease_ms };
      const group = groups.get(consumer);
      if (group) group.push(buffered);
      else groups.set(consumer, [buffered]);
    });
    for (const [consumer, group] of groups) if (consumer.room() < group.length) throw new PoolFullError(consumer.index);
    for (const [consumer, group] of groups) consumer.push(group);
    this.received.inc(deliveries.length);
  }

  get shortestLeaseMs(): number {
    return this.shortestLease;
  }

  /** Called when a delivery comes with a shorter lease than any before, so extensions can come sooner. */
  onLeaseShortened(listener: () => void): void {
    this.leaseShortened = listener;
  }

  /** Every delivery held, buffered or running, for LeaseKeeper. */
  heldDeliveries(): BufferedDelivery[] {
    return this.consumers.flatMap((c) => c.heldDeliveries());
  }

  /** Stops the deliveries whose task was cancelled (see InternalConsumer.cancel). */
  cancel(deliveryIds: string[]): void {
    const ids = new Set(deliveryIds);
    for (const consumer of this.consumers) consumer.cancel(ids);
  }

  /**
   * Stops taking deliveries, then waits for the buffers to empty and running handlers to end. Past
   * `graceMs` it aborts the handlers still running and reports their runs lost, so the broker
   * redelivers them to a consumer that stays up without counting the attempt.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const idle = Promise.all(this.consumers.map((c) => c.whenIdle()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
    const timedOut = await Promise.race([idle.then(() => false), graceOver]);
    clearTimeout(timer);
    if (!timedOut) return;
    this.logger.warn(
      `handlers still running after SHUTDOWN_GRACE_MS (${graceMs} ms): ` +
        'aborting them; the broker redelivers their tasks elsewhere',
    );
    this.consumers.forEach((c) => c.abandonRunning());
    this.handlers.abortAll('the consumer is shutting down');
    await idle;
  }

  private consumerFor(queue: string): InternalConsumer {
    const owned = this.queueToConsumer.get(queue);
    if (owned !== undefined) return this.consumers[owned];
    const hash = createHash('sha1').update(queue).digest().readUInt32BE(0);
    return this.consumers[hash % this.consumers.length];
  }
}
