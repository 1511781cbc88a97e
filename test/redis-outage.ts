import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';
import Redis from 'ioredis';
import { eventually, freePort } from './support';

/**
 * What a test of a Redis outage needs, without touching the shared server: a Redis of its own
 * (stopped by its pid, emptied at will) and a TCP proxy in front of it that the test can cut.
 */

/** A redis-server of the test's own on a free port, no persistence: FLUSHALL on it harms nobody. */
export class OwnRedis {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<OwnRedis> {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const redis = new OwnRedis(child, port);
    const probe = redis.client();
    try {
      await eventually(
        async () => (await probe.ping().catch(() => undefined)) === 'PONG',
        10_000,
        'the own redis-server',
      );
    } finally {
      probe.disconnect();
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A plain client straight to it (not through the proxy), for the test's own reads. */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: false });
    client.on('error', () => undefined); // the probe's own connection attempts, expected while it starts
    return client;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

export type ProxyMode = 'forward' | 'refuse' | 'silent';

/**
 * A TCP proxy to a Redis: `forward` passes bytes both ways; `refuse` stops listening, so
 * connections are refused; `silent` accepts connections and holds them open, and stops passing
 * bytes on the ones it had, so the server seems to hang. Going back to `forward` resets every
 * held connection, as a network that comes back does with the connections it broke.
 */
export class RedisProxy {
  private server?: Server;
  private mode: ProxyMode = 'forward';
  private readonly links = new Set<{ client: Socket; upstream?: Socket }>();

  private constructor(
    private readonly upstreamPort: number,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number): Promise<RedisProxy> {
    const proxy = new RedisProxy(upstreamPort, await freePort());
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    if (mode === this.mode) return;
    const previous = this.mode;
    this.mode = mode;
    if (mode === 'refuse') {
      this.resetAll();
      await new Promise((resolve) => this.server?.close(resolve));
      this.server = undefined;
    } else if (mode === 'silent') {
      for (const link of this.links) link.upstream?.unpipe().pause();
      for (const link of this.links) link.client.unpipe().pause();
      if (previous === 'refuse') await this.listen();
    } else {
      this.resetAll();
      if (previous === 'refuse') await this.listen();
    }
  }

  async close(): Promise<void> {
    this.resetAll();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  private resetAll(): void {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    const link: { client: Socket; upstream?: Socket } = { client };
    this.links.add(link);
    const forget = () => {
      this.links.delete(link);
      client.destroy();
      link.upstream?.destroy();
    };
    client.on('error', forget).on('close', forget);
    if (this.mode === 'silent') return; // held: accepted, never answered
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    link.upstream = upstream;
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** The port it listens on, for logs that name it. */
  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }
}
