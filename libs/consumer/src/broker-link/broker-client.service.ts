import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ConsumerEnvironment } from '../config/environment';

export interface Ack {
  delivery_id: string;
  ok: boolean;
  /**
   * How a failed run ended; the broker records it in the task's runs (`lost`: this consumer shut down, the attempt is
   * not counted).
   */
  outcome?: 'failed' | 'timed_out' | 'lost';
  error?: string;
}

export class BrokerCallError extends Error {
  constructor(
    what: string,
    readonly status?: number,
  ) {
    super(what);
    this.name = 'BrokerCallError';
  }
}

/**
 * The consumer's calls to the broker, on a keep-alive agent with timeouts. It keeps the id and
 * secret of the latest registration and sends them with every call that needs them.
 */
@Injectable()
export class BrokerClient {
  private readonly baseUrl: string;
  private credentials?: { id: string; secret: string };

  /** The id the broker gave this consumer, once it is registered. */
  get registeredId(): string | undefined {
    return this.credentials?.id;
  }

  constructor(
    private readonly http: HttpService,
    config: ConfigService<ConsumerEnvironment, true>,
  ) {
    this.baseUrl = config.get('BROKER_URL', { infer: true }).replace(/\/$/, '');
  }

  async register(url: string, capacity: number, types: string[]): Promise<{ id: string; queues: string[] }> {
    const registered = await this.call<{ id: string; queues: string[]; secret: string }>(
      'post',
      '/consumers',
      { url, capacity, types },
      201,
    );
    this.credentials = { id: registered.id, secret: registered.secret };
    return registered;
  }

  /** The queues this consumer owns now; a BrokerCallError with status 404 means register again. */
  async heartbeat(id: string): Promise<{ queues: string[] }> {
    return this.call('post', `/consumers/${encodeURIComponent(id)}/heartbeat`, {}, 200);
  }

  async deregister(id: string): Promise<void> {
    await this.call('delete', `/consumers/${encodeURIComponent(id)}`, undefined, 204);
  }

  async sendAcks(acks: Ack[]): Promise<void> {
    await this.call('post', '/acks', { acks }, 204);
  }

  /**
   * Extends the leases of deliveries still held; the reply names those whose task was cancelled, and those gone stale.
   */
  async extendLeases(
    deliveryIds: string[],
  ): Promise<{ extended: number; cancelled: string[]; stale?: string[]; lease_ms: number }> {
    return this.call('post', '/leases', { leases: deliveryIds.map((delivery_id) => ({ delivery_id })) }, 200);
  }

  private async call<T>(method: 'post' | 'delete', path: string, body: unknown, expected: number): Promise<T> {
    // Secrets go in headers of their own, so Authorization stays free for API keys.
    const headers = this.credentials
      ? { 'x-tq-consumer-id': this.credentials.id, 'x-tq-consumer-secret': this.credentials.secret }
      : undefined;
    let response;
    try {
      response = await this.http.axiosRef.request({ method, url: `${this.baseUrl}${path}`, data: body, headers });
    } catch (error) {
      throw new BrokerCallError(`${method.toUpperCase()} ${path}: ${(error as Error).message}`);
    }
    if (response.status !== expected) {
      throw new BrokerCallError(
        `${method.toUpperCase()} ${path} answered ${response.status}: ${JSON.stringify(response.data)}`,
        response.status,
      );
    }
    return response.data as T;
  }
}
