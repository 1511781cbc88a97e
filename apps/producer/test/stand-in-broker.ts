import { TaskStatus } from '@app/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

interface StoredTask {
  id: string;
  task_type: string;
  [field: string]: unknown;
}

/**
 * Just enough of the broker for the producer's tests, in memory: POST /tasks, POST /tasks/bulk and
 * POST /producers. It can be told to answer 503 for the next requests, to store a task and then drop
 * the connection before answering (a lost answer), and to refuse some task types with 400.
 */
export class StandInBroker {
  readonly tasks = new Map<string, StoredTask>();
  readonly producers: { id: string; name: string; url?: string }[] = [];
  /** Every POST /tasks and /tasks/bulk, answered or not. */
  taskRequests = 0;
  bulkRequests = 0;
  /** Task submissions whose id was already stored (answered 200). */
  resubmissions = 0;
  /** Distinct client sockets seen: stays small when the producer keeps connections alive. */
  readonly sockets = new Set<Socket>();
  /** Task requests still to answer with 503. */
  busyFor = 0;
  retryAfterSeconds = 1;
  /** Task requests still to store and then answer by dropping the connection. */
  dropFor = 0;
  /** Task types answered with 400. */
  refusedTypes = new Set<string>();

  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.sockets.add(req.socket);
      this.handle(req, res).catch((error: Error) => {
        res.writeHead(500).end(JSON.stringify({ message: error.message }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset(): void {
    this.tasks.clear();
    this.sockets.clear();
    this.taskRequests = this.bulkRequests = this.resubmissions = this.busyFor = this.dropFor = 0;
    this.refusedTypes.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const send = (status: number, data: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    };

    if (req.method === 'POST' && req.url === '/producers') {
      const id = `p${this.producers.length + 1}`;
      this.producers.push({ id, ...body });
      return send(201, { id });
    }
    const bulk = req.url === '/tasks/bulk';
    if (req.method !== 'POST' || (req.url !== '/tasks' && !bulk))
      return send(404, { message: `Cannot ${req.method} ${req.url}` });

    this.taskRequests++;
    if (bulk) this.bulkRequests++;
    if (this.busyFor > 0) {
      this.busyFor--;
      res.setHeader('retry-after', String(this.retryAfterSeconds));
      return send(503, { message: 'queue at capacity' });
    }
    const items: StoredTask[] = bulk ? body : [body];
    const refused = items.findIndex((task) => this.refusedTypes.has(task.task_type));
    if (refused >= 0) {
      const prefix = bulk ? `[${refused}].` : '';
      return send(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: [`${prefix}task_type "${items[refused].task_type}" is not accepted here`],
      });
    }
    const existing = items.filter((task) => this.tasks.has(task.id)).length;
    this.resubmissions += existing;
    for (const task of items) if (!this.tasks.has(task.id)) this.tasks.set(task.id, task);

    if (this.dropFor > 0) {
      this.dropFor--;
      req.socket.destroy();
      return;
    }
    if (bulk) return send(201, { ids: items.map((task) => task.id) });
    return send(
      existing ? 200 : 201,
      existing
        ? { ...body, status: TaskStatus.Queued }
        : { id: body.id, queue: body.task_type, status: TaskStatus.Queued },
    );
  }
}
