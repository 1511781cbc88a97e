import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiFetch, postJson } from './cluster';

/**
 * - `slow`: holds each delivery longer than the broker's delivery timeout, then answers 202 and acks
 *   every task as stored although it stored nothing (a lie the broker must not believe);
 * - `fail-500`: answers every delivery 500;
 * - `never-ack`: answers 202 and never acks.
 */
export type Misbehaviour = 'slow' | 'fail-500' | 'never-ack';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A consumer that registers and heartbeats like a real one, then misbehaves; it stores nothing. */
export class MisbehavingConsumer {
  received = 0;
  readonly taskIds = new Set<string>();
  id?: string;
  private secret?: string;
  private server?: Server;
  private heartbeat?: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly behaviour: Misbehaviour,
    private readonly brokerUrl: string,
    private readonly heartbeatMs = 300,
    private readonly slowMs = 2_500,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(capacity = 1000): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    try {
      await this.register(capacity);
    } catch (error) {
      // A stand-in left listening would keep jest from exiting.
      await this.stop();
      throw error;
    }
    this.heartbeat = setInterval(() => void this.beat(capacity), this.heartbeatMs);
    return this.id!;
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const timer of this.timers) clearTimeout(timer);
    if (this.id)
      await apiFetch(`${this.brokerUrl}/consumers/${this.id}`, { method: 'DELETE', headers: this.credentials() }).catch(
        () => undefined,
      );
    this.server?.closeAllConnections();
    if (this.server?.listening) await new Promise((resolve) => this.server!.close(resolve));
  }

  private async register(capacity: number): Promise<void> {
    const res = await postJson(`${this.brokerUrl}/consumers`, { url: this.url, capacity });
    if (res.status !== 201)
      throw new Error(`registering the stand-in answered ${res.status}: ${JSON.stringify(res.body)}`);
    this.id = res.body.id;
    this.secret = res.body.secret;
  }

  /** The headers that prove a call comes from this consumer. */
  private credentials(): Record<string, string> {
    return { 'x-tq-consumer-id': this.id ?? '', 'x-tq-consumer-secret': this.secret ?? '' };
  }

  private async beat(capacity: number): Promise<void> {
    try {
      const res = await apiFetch(`${this.brokerUrl}/consumers/${this.id}/heartbeat`, {
        method: 'POST',
        headers: this.credentials(),
        signal: AbortSignal.timeout(1_000),
      });
      if (res.status === 404) await this.register(capacity);
    } catch {
      /* the broker is briefly away; the next beat tries again */
    }
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method !== 'POST' || req.url !== '/deliveries') return void res.writeHead(404).end();
    const { deliveries } = JSON.parse(body) as { deliveries: Array<{ delivery_id: string; task: { id: string } }> };
    this.received += deliveries.length;
    for (const d of deliveries) this.taskIds.add(d.task.id);
    if (this.behaviour === 'fail-500')
      return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"stand-in failure"}');
    if (this.behaviour === 'never-ack')
      return void res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!res.destroyed) res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
      const acks = deliveries.map((d) => ({ delivery_id: d.delivery_id, ok: true }));
      postJson(`${this.brokerUrl}/acks`, { acks }, 5_000, this.credentials()).catch(() => undefined);
    }, this.slowMs);
    this.timers.add(timer);
  }
}
