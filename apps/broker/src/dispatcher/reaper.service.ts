import { Clock } from '@app/common';
import { logJobFailure } from '@app/redis';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokerEnvironment } from '../config/environment';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { DeliveryOutcomes } from './delivery-outcomes.service';
import { DeliveryStore } from './delivery-store';

/** Expired deliveries reclaimed per queue per sweep. */
const REAP_BATCH = 500;

/**
 * Fails deliveries whose lease lapsed: no ack and no extension in time (a dead consumer, or a
 * broker that died sending). Each sweep is one script over every queue; the fail script checks
 * the deadline again, so replicas sweeping at once fail a delivery once.
 */
@Injectable()
export class Reaper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Reaper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: DeliveryStore,
    private readonly outcomes: DeliveryOutcomes,
    private readonly queues: QueueRegistry,
    private readonly clock: Clock,
    private readonly config: ConfigService<BrokerEnvironment, true>,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.min(1_000, Math.floor(this.config.get('ACK_TIMEOUT_MS') / 2));
    this.timer = setInterval(
      () => void this.reapExpired().catch((error: Error) => logJobFailure(this.logger, 'reaping', error)),
      every,
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async reapExpired(): Promise<void> {
    const expired = await this.store.findExpired(
      this.queues.list().map(({ name }) => name),
      this.clock.now(),
      REAP_BATCH,
    );
    for (const { queue, taskIds, attempts } of expired) {
      this.logger.warn(
        `${taskIds.length} deliveries from ${queue} lapsed without an ack or a lease extension; retrying them`,
        { queue, count: taskIds.length, taskIds: taskIds.slice(0, 10) },
      );
      await this.outcomes.fail(
        taskIds.map((taskId, i) => ({
          queue,
          taskId,
          attempt: attempts[i],
          error: 'the lease lapsed: no ack or extension in time',
          mode: 'expired' as const,
        })),
      );
    }
  }
}
