import { BackoffPolicy, backoffDelay } from '@app/common';
import { HttpService } from '@nestjs/axios';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProducerEnvironment } from '../config/environment';

const DEFAULT_PORT = 8080;
/** The broker may start after us; keep asking, but no more often than this once it is down a while. */
const RETRY_POLICY: BackoffPolicy = { baseMs: 500, factor: 2, capMs: 30_000 };

/** The broker keeps a producer's record for 5 minutes after its last registration. */
const RENEW_EVERY_MS = 60_000;

/**
 * Registers this producer with the broker (`POST /producers`) so it shows in `GET /producers`.
 * Runs in the background: the app starts and serves while the broker is still unreachable.
 */
@Injectable()
export class RegistrationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RegistrationService.name);
  private readonly stop = new AbortController();
  private running?: Promise<void>;
  /** The id the broker gave us, once registered. */
  id?: string;

  constructor(
    private readonly http: HttpService,
    private readonly config: ConfigService<ProducerEnvironment, true>,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.register();
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await this.running;
    (this.http.axiosRef.defaults.httpAgent as Agent | undefined)?.destroy();
    (this.http.axiosRef.defaults.httpsAgent as Agent | undefined)?.destroy();
  }

  /** Registers, then renews the registration every RENEW_EVERY_MS until the app stops. */
  private async register(): Promise<void> {
    const port = this.config.get('PORT', { infer: true }) ?? DEFAULT_PORT;
    const body = {
      name: this.config.get('PRODUCER_NAME', { infer: true }) ?? `producer-${port}`,
      url: this.config.get('ADVERTISED_URL', { infer: true }) ?? `http://127.0.0.1:${port}`,
    };
    const url = `${this.config.get('BROKER_URL', { infer: true }).replace(/\/+$/, '')}/producers`;
    const signal = this.stop.signal;

    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const res = await this.http.axiosRef.post(url, body, { signal });
        const id = (res.data as { id?: unknown } | undefined)?.id;
        if (res.status >= 200 && res.status < 300 && typeof id === 'string') {
          if (this.id !== id) this.logger.log(`registered with the broker as ${body.name} (id ${id})`);
          this.id = id;
          // The broker forgets a producer that stops renewing its record; a renewal is a registration again.
          await sleep(RENEW_EVERY_MS, undefined, { signal }).catch(() => undefined);
          attempt = 0;
          continue;
        }
        // A 4xx will not change by asking again; a 5xx or a malformed answer might.
        if (res.status >= 400 && res.status < 500) {
          this.logger.error(
            `the broker refused the registration of ${body.name}: ${res.status} ${JSON.stringify(res.data)}`,
          );
          return;
        }
        this.logger.warn(`registration answered ${res.status}; retrying (attempt ${attempt})`);
      } catch (error) {
        if (signal.aborted) return;
        this.logger.warn(`broker unreachable at ${url}: ${(error as Error).message}; retrying (attempt ${attempt})`);
      }
      await sleep(backoffDelay(attempt, RETRY_POLICY), undefined, { signal }).catch(() => undefined);
    }
  }
}
