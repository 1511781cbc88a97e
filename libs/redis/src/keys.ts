/**
 * The one place key names are made: `<prefix>:<entity>:<id>[:<suffix>]`. A queue's keys share the
 * hash tag `{queue}` so the scripts that move tasks between them stay valid on Redis Cluster.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** A task's hash: its fields, status and delivery bookkeeping. */
  task(id: string): string {
    return `${this.prefix}:task:${id}`;
  }

  /** The prefix of task keys, for scripts that read a task named in a queue. */
  get taskPrefix(): string {
    return `${this.prefix}:task:`;
  }

  /**
   * Prefix of each key's pending set (sorted set: task id -> accept time), which the enqueue script
   * counts against PENDING_CAP_PER_KEY; the scripts a task leaves its queue by take it out.
   */
  get pendingByKeyPrefix(): string {
    return `${this.prefix}:pending-by-key:`;
  }

  /** Counter giving each enqueued task its FIFO position. */
  get sequence(): string {
    return `${this.prefix}:seq`;
  }

  /** Hash: queue name -> its definition (JSON). */
  get queues(): string {
    return `${this.prefix}:queues`;
  }

  /** Counter bumped by every change to the queue set, so replicas reload it only when it moved. */
  get queuesVersion(): string {
    return `${this.prefix}:queues-version`;
  }

  /** Hash: binding key -> queue name. */
  get bindings(): string {
    return `${this.prefix}:bindings`;
  }

  /** Sorted set of waiting task ids, scored by priority then arrival. */
  queuePending(queue: string): string {
    return `${this.prefix}:queue:{${queue}}:pending`;
  }

  /** Sorted set of delivered, unacked task ids, scored by ack deadline. */
  queueInflight(queue: string): string {
    return `${this.prefix}:queue:{${queue}}:inflight`;
  }

  /** Sorted set of task ids waiting out a retry backoff, scored by when they may go again. */
  queueDelayed(queue: string): string {
    return `${this.prefix}:queue:{${queue}}:delayed`;
  }

  /**
   * Sorted set of task ids no live consumer can run, scored as in pending; back to pending when the consumers change.
   */
  queueWaiting(queue: string): string {
    return `${this.prefix}:queue:{${queue}}:waiting`;
  }

  /** Sorted set of dead-lettered task ids, scored by when they died. */
  queueDead(queue: string): string {
    return `${this.prefix}:queue:{${queue}}:dead`;
  }

  /** Sorted set: consumer id -> last heartbeat (ms). */
  get consumers(): string {
    return `${this.prefix}:consumers`;
  }

  /** A consumer's registration hash. */
  consumer(id: string): string {
    return `${this.prefix}:consumer:${id}`;
  }

  /** Counter numbering consumers in registration order (the round-robin order). */
  get consumerSequence(): string {
    return `${this.prefix}:consumer-seq`;
  }

  /** Hash: producer id -> its registration (JSON). */
  get producers(): string {
    return `${this.prefix}:producers`;
  }

  /** Sorted set: producer id -> when it last registered (ms); records not renewed expire. */
  get producersSeen(): string {
    return `${this.prefix}:producers-seen`;
  }

  /** Sorted set of stored tasks awaiting their time: id -> scheduled_time (ms). */
  get scheduledIndex(): string {
    return `${this.prefix}:index:scheduled`;
  }

  /** Sorted set of completed tasks: id -> completion time (ms). */
  get completeIndex(): string {
    return `${this.prefix}:index:complete`;
  }

  /** Pub/sub channel: a queue name published here has new work (the scheduler released tasks to it). */
  get wakeChannel(): string {
    return `${this.prefix}:wake`;
  }

  /** Every key of this prefix, for SCAN. */
  get all(): string {
    return `${this.prefix}:*`;
  }
}
