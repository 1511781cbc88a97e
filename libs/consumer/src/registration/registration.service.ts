import { backoffDelay } from '@app/common';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo, Server } from 'node:net';
import { AckBatcher } from '../broker-link/ack-batcher.service';
import { BrokerCallError, BrokerClient } from '../broker-link/broker-client.service';
import { ConsumerEnvironment } from '../config/environment';
import { ConsumerPool } from '../consumer-pool/consumer-pool.service';
import { HandlerRegistry } from '../handlers/handler-registry.service';

const RETRY_POLICY = { baseMs: 100, factor: 2, capMs: 5_000 };

/**
 * The consumer's membership with the broker: registers at start (retrying until the broker
 * answers, without holding up the start), heartbeats and takes the queues each heartbeat names,
 * registers again if the broker dropped it, and on shutdown deregisters, then drains its buffers
 * and sends the last acks.
 */
@Injectable()
export class RegistrationService implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(RegistrationService.name);
  private id?: string;
  private timer?: NodeJS.Timeout;
  private tick?: Promise<void>;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly broker: BrokerClient,
    private readonly pool: ConsumerPool,
    private readonly handlers: HandlerRegistry,
    private readonly acks: AckBatcher,
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ConfigService<ConsumerEnvironment, true>,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
    if (!this.id) return;
    try {
      await this.broker.deregister(this.id);
      this.logger.log(`deregistered ${this.id}`);
    } catch (error) {
      this.logger.warn(`deregistering: ${(error as Error).message}; the broker drops us after missed heartbeats`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pool.drain(this.config.get('SHUTDOWN_GRACE_MS', { infer: true }));
    await this.acks.drain();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.beat().finally(() => (this.tick = undefined));
    }, ms);
  }

  private async beat(): Promise<void> {
    const interval = this.config.get('HEARTBEAT_INTERVAL_MS', { infer: true });
    try {
      if (this.id) {
        this.pool.assign((await this.broker.heartbeat(this.id)).queues);
      } else {
        const url = this.advertisedUrl();
        if (!url) return this.schedule(50);
        const registered = await this.broker.register(url, this.pool.capacity, this.handlers.types());
        this.id = registered.id;
        this.pool.assign(registered.queues);
        this.logger.log(`registered with the broker as ${this.id} (${url})`);
      }
      this.failures = 0;
      this.schedule(interval);
    } catch (error) {
      if (error instanceof BrokerCallError && error.status === 404) {
        this.logger.warn(`the broker dropped ${this.id}; registering again`);
        this.id = undefined;
      }
      this.failures++;
      if (this.failures === 1 || this.failures % 10 === 0)
        this.logger.warn(`broker unreachable: ${(error as Error).message}`);
      this.schedule(Math.min(backoffDelay(this.failures, RETRY_POLICY), interval));
    }
  }

  /** ADVERTISED_URL, or this server's own port on loopback once it listens. */
  private advertisedUrl(): string | undefined {
    const configured = this.config.get('ADVERTISED_URL', { infer: true });
    if (configured) return configured.replace(/\/$/, '');
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    const address = server?.address() as AddressInfo | null | undefined;
    return address?.port ? `http://127.0.0.1:${address.port}` : undefined;
  }
}
