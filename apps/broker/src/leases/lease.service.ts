import { Clock, MetricsRegistry } from '@app/common';
import { InjectRedis, InjectRedisKeys, RedisKeys, runScript } from '@app/redis';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { BrokerEnvironment } from '../config/environment';
import { groupByQueue } from '../dispatcher/delivery-id';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { Lease } from './lease-batch.pipe';
import { extendLeasesScript } from '../scripts/extend-leases.lua';

export interface LeaseReply {
  extended: number;
  cancelled: string[];
  /** Deliveries whose task went out again meanwhile: their consumer must stop them and not ack. */
  stale: string[];
  lease_ms: number;
}

/**
 * A delivery is leased to its consumer for ACK_TIMEOUT_MS; a consumer that still holds it (buffered
 * or running) extends the lease, so a long handler is not redelivered while it runs, and a consumer
 * that dies stops extending, so its tasks go out again once their lease lapses. One script call per
 * queue named in the batch; the reply names the deliveries whose task was cancelled meanwhile.
 */
@Injectable()
export class LeaseService {
  private readonly logger = new Logger(LeaseService.name);
  private readonly leaseMs: number;
  private readonly extended;
  private readonly ignored;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectRedisKeys() private readonly keys: RedisKeys,
    private readonly clock: Clock,
    private readonly queues: QueueRegistry,
    config: ConfigService<BrokerEnvironment, true>,
    metrics: MetricsRegistry,
  ) {
    this.leaseMs = config.get('ACK_TIMEOUT_MS');
    this.extended = metrics.counter('tq_leases_extended_total', 'Delivery leases extended by their consumer');
    this.ignored = metrics.counter('tq_leases_ignored_total', 'Lease extensions naming no live delivery');
  }

  /** How long a delivery is leased for, as each delivery tells its consumer. */
  get leaseDurationMs(): number {
    return this.leaseMs;
  }

  async extend(leases: Lease[]): Promise<LeaseReply> {
    const { byQueue, unreadable } = await groupByQueue(leases, (queue) => this.queues.isDeclared(queue));
    const deadline = this.clock.now() + this.leaseMs;
    const cancelled: string[] = [];
    const stale: string[] = [];
    let extended = 0;
    await Promise.all(
      [...byQueue].map(async ([queue, refs]) => {
        const [count, ...reported] = await runScript<number[]>(
          this.redis,
          extendLeasesScript,
          [this.keys.queueInflight(queue), ...refs.map((ref) => this.keys.task(ref.taskId))],
          [deadline, ...refs.flatMap((ref) => [ref.taskId, ref.deliveryId])],
        );
        extended += count;
        for (const at of reported) {
          if (at > 0) cancelled.push(refs[at - 1].deliveryId);
          else stale.push(refs[-at - 1].deliveryId);
        }
      }),
    );
    this.extended.inc(extended);
    const ignored = leases.length - extended - cancelled.length - stale.length;
    this.ignored.inc(ignored);
    // Once per request, not per id: a consumer holding many stale deliveries must not flood the log.
    if (ignored > 0)
      this.logger.debug(
        `${ignored} of ${leases.length} lease extensions named no live delivery (${unreadable} unreadable)`,
      );
    return { extended, cancelled, stale, lease_ms: this.leaseMs };
  }
}
