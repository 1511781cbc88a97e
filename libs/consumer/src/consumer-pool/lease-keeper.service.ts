import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BrokerClient } from '../broker-link/broker-client.service';
import { ConsumerPool } from './consumer-pool.service';

/** One lease request carries at most this many deliveries (the broker's MAX_LEASES). */
const LEASES_PER_REQUEST = 10_000;

/**
 * Keeps the broker's leases on every delivery this consumer holds (buffered or running) alive: one
 * batched extension about every third of the shortest lease seen, not a request per task, so a
 * handler that runs past the lease is not redelivered while it runs. A consumer that dies stops
 * extending, and its tasks go out again once their leases lapse. The broker's reply names deliveries
 * whose task was cancelled; those are stopped here. Runs until after the pool drained at shutdown.
 */
@Injectable()
export class LeaseKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LeaseKeeper.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private extending = false;
  private failures = 0;

  constructor(
    private readonly pool: ConsumerPool,
    private readonly broker: BrokerClient,
  ) {
    // The first delivery's lease may be shorter than the wait already armed: extend within it.
    pool.onLeaseShortened(() => {
      if (this.extending) return;
      clearTimeout(this.timer);
      this.schedule();
    });
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(spentMs = 0): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.extending = true;
        const started = Date.now();
        void this.extendAll().finally(() => {
          this.extending = false;
          // Timed from the start of this round, so a slow broker does not stretch the gap between extensions.
          this.schedule(Date.now() - started);
        });
      },
      Math.max(0, Math.floor(this.pool.shortestLeaseMs / 3) - spentMs),
    );
  }

  /** Extends every held delivery's lease once; never throws (the next round tries again). */
  async extendAll(): Promise<void> {
    const ids = [...new Set(this.pool.heldDeliveries().map((delivery) => delivery.deliveryId))];
    const cancelled: string[] = [];
    const stale: string[] = [];
    try {
      for (let i = 0; i < ids.length; i += LEASES_PER_REQUEST) {
        const reply = await this.broker.extendLeases(ids.slice(i, i + LEASES_PER_REQUEST));
        cancelled.push(...reply.cancelled);
        stale.push(...(reply.stale ?? []));
      }
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (this.failures === 1 || this.failures % 20 === 0)
        this.logger.warn(`extending ${ids.length} leases failed (${(error as Error).message}); retrying`);
    }
    if (cancelled.length) this.logger.log(`${cancelled.length} held tasks were cancelled: stopping them`);
    // Their tasks went out again (this consumer was too slow to say it held them): another run is the live one.
    if (stale.length) this.logger.warn(`${stale.length} held deliveries went stale: stopping them`);
    if (cancelled.length || stale.length) this.pool.cancel([...cancelled, ...stale]);
  }
}
