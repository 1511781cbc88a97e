import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StandInBehaviour = 'fail-500' | 'never-ack' | 'record';

export interface RecordedDelivery {
  delivery_id: string;
  queue: string;
  task: { id: string; priority: number; attempts: number; task_type: string };
  /** Run it now; false: store it to await its time. */
  due: boolean;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

/**
 * A misbehaving consumer for the broker's tests: it registers like a real one, then answers every
 * delivery with 500, or takes it (202) and never acks, or takes and records it. It stores nothing.
 */
export class StandInConsumer {
  readonly received: RecordedDelivery[] = [];
  /** Each POST /deliveries as it came: how the broker batched them. */
  readonly batches: RecordedDelivery[][] = [];
  id?: string;
  /** The secret its registration returned: heartbeats, acks and deregistration carry it. */
  secret?: string;
  private server?: Server;
  private heartbeats?: NodeJS.Timeout;
  private brokerUrl?: string;

  constructor(private behaviour: StandInBehaviour) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.url !== '/deliveries') return void res.writeHead(404).end();
    const { deliveries } = JSON.parse(body) as { deliveries: RecordedDelivery[] };
    this.received.push(...deliveries);
    this.batches.push(deliveries);
    res.writeHead(this.behaviour === 'fail-500' ? 500 : 202, { 'content-type': 'application/json' }).end('{}');
  }

  /** Registers with the broker; capacity bounds its batches, types are what it offers (default ["*"]). */
  async register(brokerUrl: string, capacity = 1000, types?: string[]): Promise<string> {
    const res = await fetch(`${brokerUrl}/consumers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: this.url, capacity, types }),
    });
    ({ id: this.id, secret: this.secret } = (await res.json()) as { id: string; secret: string });
    this.brokerUrl = brokerUrl;
    // Heartbeats keep it registered, as a real consumer's do.
    this.heartbeats = setInterval(
      () =>
        void fetch(`${brokerUrl}/consumers/${this.id}/heartbeat`, { method: 'POST', headers: this.credentials }).catch(
          () => undefined,
        ),
      100,
    );
    return this.id;
  }

  /** The headers that prove a call comes from this consumer. */
  get credentials(): Record<string, string> {
    return { 'x-tq-consumer-id': this.id ?? '', 'x-tq-consumer-secret': this.secret ?? '' };
  }

  /** Goes quiet, as a consumer that hangs or loses its network does. */
  stopHeartbeats(): void {
    clearInterval(this.heartbeats);
  }

  /** Deregisters (when registered) and closes its server. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeats);
    if (this.id)
      await fetch(`${this.brokerUrl}/consumers/${this.id}`, { method: 'DELETE', headers: this.credentials }).catch(
        () => undefined,
      );
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
