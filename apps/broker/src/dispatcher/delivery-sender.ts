import { parseSigningKeys, SIGNATURE_HEADER, signDelivery, Task, TIMESTAMP_HEADER } from '@app/common';
import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokerEnvironment } from '../config/environment';
import { ConsumerInstance } from '../consumers/consumer-registry.service';

/** A claimed task on its way, and whether its consumer is to run it now or store it to await its time. */
export interface OutgoingTask {
  task: Task;
  deliveryId: string;
  due: boolean;
}

/** How a POST /deliveries went: taken, refused because the consumer is full (503), or failed (why). */
export type SendResult = { kind: 'sent' } | { kind: 'full' } | { kind: 'failed'; reason: string; detail?: string };

/** A network error in a few words, without the addresses its message carries. */
function networkReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'timed out';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  return 'network error';
}

/**
 * Pushes one batch to one consumer's `/deliveries`; the body is the consumer's HTTP contract (see
 * the README). Each push is signed with the first of DELIVERY_SIGNING_KEYS: x-tq-timestamp and
 * x-tq-signature over the exact bytes sent, so the body is serialized here, once.
 */
@Injectable()
export class DeliverySender {
  private readonly signingKey: string | undefined;

  constructor(
    private readonly http: HttpService,
    config: ConfigService<BrokerEnvironment, true>,
  ) {
    this.signingKey = parseSigningKeys(config.get('DELIVERY_SIGNING_KEYS'))?.[0];
  }

  async send(
    consumer: ConsumerInstance,
    queue: string,
    outgoing: OutgoingTask[],
    leaseMs: number,
  ): Promise<SendResult> {
    const deliveries = outgoing.map(({ task, deliveryId, due }) => {
      // Set in place, not copied: the claimed task is this delivery's alone, and a copy per task
      // shows in a bulk run's GC.
      task.queue = queue;
      return { delivery_id: deliveryId, queue, task, due, lease_ms: leaseMs };
    });
    // A Buffer goes out as it is (axios would parse a string again to check it).
    const body = Buffer.from(JSON.stringify({ deliveries }));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.signingKey) {
      // The wall clock, not the task clock (Clock): the consumer compares it with its own.
      const timestamp = String(Date.now());
      headers[TIMESTAMP_HEADER] = timestamp;
      headers[SIGNATURE_HEADER] = signDelivery(this.signingKey, timestamp, body);
    }
    try {
      const response = await this.http.axiosRef.post(`${consumer.url}/deliveries`, body, { headers });
      if (response.status === 503) return { kind: 'full' };
      if (response.status < 200 || response.status >= 300)
        return { kind: 'failed', reason: `consumer ${consumer.id} answered ${response.status}` };
      return { kind: 'sent' };
    } catch (error) {
      // The task's last_error says what happened, not where: an error message names addresses.
      return {
        kind: 'failed',
        reason: `consumer ${consumer.id} unreachable (${networkReason(error)})`,
        detail: (error as Error).message,
      };
    }
  }
}
