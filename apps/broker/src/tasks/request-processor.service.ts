import {
  Clock,
  CreateTaskDto,
  MetricsRegistry,
  newTask,
  retentionMs,
  submissionOf,
  Task,
  TASK_ID_PATTERN,
  taskFromHash,
  TaskHash,
  taskToHash,
  TTL_SLACK_MS,
} from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys, runScript } from '@app/redis';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { QueueWakers } from '../dispatcher/queue-wakers';
import { ExchangeService, UnroutableError } from '../exchange/exchange.service';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { enqueueScript } from '../scripts/enqueue.lua';
import { isRefusal, scriptError } from '../scripts/script-errors';
import { BrokerEnvironment } from '../config/environment';
import { CancelOutcome, cancelTaskScript } from '../scripts/cancel-task.lua';
import { TaskNotFoundError } from './tasks.errors';

export interface AcceptedTask {
  task: Task;
  /** false when the id was already known: the task was not enqueued again. */
  created: boolean;
}

/** The task's hash as [name, value, ...], which the enqueue script passes to HSET as it is. */
function hashFieldList(task: Task): string[] {
  const hash = taskToHash(task);
  const list: string[] = [];
  for (const name in hash) if (hash[name] !== undefined) list.push(name, hash[name]);
  return list;
}

/**
 * Turns validated requests into tasks in their queues: route every task first (an unroutable one
 * rejects the whole request), then enqueue them all in one atomic script, so a request is stored
 * whole or not at all.
 */
@Injectable()
export class RequestProcessor {
  private readonly accepted;
  private readonly cancelled;
  private readonly keepMs: number;
  private readonly pendingCap: number;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly exchange: ExchangeService,
    private readonly queues: QueueRegistry,
    private readonly wakers: QueueWakers,
    private readonly clock: Clock,
    config: ConfigService<BrokerEnvironment, true>,
    metrics: MetricsRegistry,
  ) {
    this.accepted = metrics.counter('tq_accepted_total', 'Tasks accepted into a queue');
    this.cancelled = metrics.counter('tq_cancelled_total', 'Tasks cancelled');
    this.keepMs = retentionMs(config.get('RETENTION_DAYS')) + TTL_SLACK_MS;
    this.pendingCap = config.get('PENDING_CAP_PER_KEY');
  }

  /** `keyName`: the submitting key (empty under AUTH=off); an id is that key's, for that content. */
  async accept(dtos: CreateTaskDto[], keyName: string): Promise<AcceptedTask[]> {
    const now = this.clock.now();
    const tasks = dtos.map((dto) => newTask(dto, now));
    const routed = await this.exchange.routeAll(tasks.map((task) => task.binding_key));
    const queueNames = [...new Set(routed)];
    const queueIndex = new Map(queueNames.map((name, i) => [name, i + 1]));
    const keys = [
      this.keys.sequence,
      ...queueNames.flatMap((q) => [
        this.keys.queuePending(q),
        this.keys.queueInflight(q),
        this.keys.queueDelayed(q),
        this.keys.queueWaiting(q),
      ]),
      ...tasks.map((task) => this.keys.task(task.id)),
    ];
    const capacities = queueNames.map((name) => {
      const queue = this.queues.find(name);
      if (queue) return queue.capacity;
      // Deleted since the binding was read: as unroutable as a key that was never bound (422, not 404).
      const index = routed.indexOf(name);
      throw new UnroutableError(tasks[index].binding_key, tasks.length > 1 ? index : undefined);
    });
    const args: (string | number)[] = [queueNames.length, ...capacities];
    tasks.forEach((task, i) => {
      task.queue = routed[i];
      args.push(
        queueIndex.get(routed[i])!,
        task.priority,
        task.id,
        JSON.stringify(hashFieldList(task)),
        submissionOf(dtos[i], keyName),
      );
    });
    args.push(this.keys.taskPrefix, this.pendingCap, keyName ? this.keys.pendingByKeyPrefix + keyName : '', now);
    const [code, ...created] = await runScript<number[]>(this.redis, enqueueScript, keys, args);
    if (isRefusal(code)) {
      const at = created[0] - 1;
      throw scriptError(code, {
        queue: queueNames[at],
        taskId: tasks[at]?.id,
        index: dtos.length > 1 ? at : undefined,
        keyName,
        limit: this.pendingCap,
        held: created[0],
      });
    }
    const fresh = created.filter((c) => c === 1).length;
    if (fresh > 0) {
      this.accepted.inc(fresh);
      queueNames.forEach((queue) => this.wakers.notify(queue));
    }
    return tasks.map((task, i) => ({ task, created: created[i] === 1 }));
  }

  /**
   * Cancels a task that is not complete (see cancelTaskScript) and returns it; cancelling a
   * cancelled task returns it again. Throws TaskNotFoundError or TaskAlreadyCompleteError.
   */
  async cancel(id: string): Promise<Task> {
    if (!TASK_ID_PATTERN.test(id)) throw new TaskNotFoundError(id);
    const queue = (await this.redis.hget(this.keys.task(id), 'queue')) ?? '';
    const keys = [
      this.keys.task(id),
      this.keys.queuePending(queue),
      this.keys.queueInflight(queue),
      this.keys.queueDelayed(queue),
      this.keys.queueWaiting(queue),
      this.keys.queueDead(queue),
      this.keys.scheduledIndex,
    ];
    const outcome = await runScript<number>(this.redis, cancelTaskScript, keys, [
      id,
      this.clock.now(),
      this.keepMs,
      this.keys.pendingByKeyPrefix,
    ]);
    if (isRefusal(outcome)) throw scriptError(outcome, { taskId: id });
    if (outcome === CancelOutcome.Cancelled) this.cancelled.inc();
    const task = await this.find(id);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  async find(id: string): Promise<Task | undefined> {
    const hash = (await this.redis.hgetall(this.keys.task(id))) as TaskHash;
    return hash.id ? taskFromHash(hash) : undefined;
  }
}
