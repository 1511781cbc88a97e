import { backoffDelay } from '@app/common';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ConsumerEnvironment } from '../config/environment';
import { Ack, BrokerCallError, BrokerClient } from './broker-client.service';

/** Beyond this many unsent acks the oldest are dropped: the broker will redeliver them, and storing is idempotent. */
const MAX_PENDING_ACKS = 200_000;
const RETRY_POLICY = { baseMs: 50, factor: 2, capMs: 2_000 };

/** A 4xx other than timeout or throttling: the same request would be refused again. */
const refusedForGood = (status?: number) =>
  status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * Sends acks to the broker in batches: as soon as a batch is full, or ACK_FLUSH_MS after the first
 * ack of a batch. A failed send keeps the acks and retries them with backoff, so a broker that is
 * briefly unreachable (or restarting) loses none.
 */
@Injectable()
export class AckBatcher {
  private readonly logger = new Logger(AckBatcher.name);
  private pending: Ack[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** When retrying stops: never while running, the shutdown deadline once draining. */
  private giveUpAt = Infinity;
  private readonly batchSize: number;
  private readonly flushMs: number;

  constructor(
    private readonly broker: BrokerClient,
    config: ConfigService<ConsumerEnvironment, true>,
  ) {
    this.batchSize = config.get('ACK_BATCH_SIZE');
    this.flushMs = config.get('ACK_FLUSH_MS');
  }

  add(acks: Ack[]): void {
    this.pending.push(...acks);
    if (this.pending.length > MAX_PENDING_ACKS) {
      const dropped = this.pending.splice(0, this.pending.length - MAX_PENDING_ACKS);
      this.logger.warn(`dropped ${dropped.length} unsent acks; the broker will redeliver those tasks`);
    }
    if (this.pending.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** At shutdown: sends everything pending, until nothing is left or `deadline` (ms epoch) passes. */
  async drain(deadline = Date.now() + 10_000): Promise<void> {
    this.giveUpAt = deadline;
    while ((this.pending.length || this.flushing) && Date.now() < deadline) {
      this.flush();
      await this.flushing;
    }
    clearTimeout(this.timer);
    if (this.pending.length)
      this.logger.warn(`${this.pending.length} acks unsent at shutdown; the broker will redeliver those tasks`);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.sendAll().finally(() => (this.flushing = undefined));
  }

  private async sendAll(): Promise<void> {
    let failures = 0;
    while (this.pending.length) {
      const batch = this.pending.splice(0, Math.max(this.batchSize, 1_000));
      try {
        await this.broker.sendAcks(batch);
        failures = 0;
      } catch (error) {
        if (error instanceof BrokerCallError && refusedForGood(error.status)) {
          // Sending it again would be refused again and hold up every ack behind it; the broker
          // redelivers these tasks at their ack deadline and storing them again changes nothing.
          this.logger.error(`the broker refused ${batch.length} acks, dropping them: ${error.message}`);
          continue;
        }
        this.pending.unshift(...batch);
        failures++;
        if (failures === 1 || failures % 20 === 0)
          this.logger.warn(`sending ${batch.length} acks failed (${(error as Error).message}); retrying`);
        const wait = Math.min(backoffDelay(failures, RETRY_POLICY), this.giveUpAt - Date.now());
        if (wait <= 0) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
