import Redis from 'ioredis';
import { createServer, Server, Socket } from 'node:net';
import { isRedisUnavailable, RedisUnavailableError } from './redis-unavailable';

/** The error a real ioredis 6 client rejects a command with, so an upgrade that rewords one fails here. */
async function rejection(client: Redis, command: (client: Redis) => Promise<unknown>): Promise<unknown> {
  try {
    await command(client);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    client.disconnect();
  }
}

/** A TCP server that takes connections and never answers: a hung Redis. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

describe('isRedisUnavailable, on the errors a real client gives', () => {
  const quiet = { lazyConnect: false, retryStrategy: () => null };

  it('knows a refused connection, with and without the offline queue', async () => {
    const { server, port } = await silentServer();
    await new Promise((resolve) => server.close(resolve)); // the port is free now: connections are refused
    const offline = new Redis(port, '127.0.0.1', { ...quiet, enableOfflineQueue: false });
    offline.on('error', () => undefined);
    expect(isRedisUnavailable(await rejection(offline, (c) => c.get('k')))).toBe(true);
    const queued = new Redis(port, '127.0.0.1', { ...quiet, maxRetriesPerRequest: 0 });
    queued.on('error', () => undefined);
    expect(isRedisUnavailable(await rejection(queued, (c) => c.get('k')))).toBe(true);
  });

  it('knows a command a silent server does not answer in time', async () => {
    const { server, port, sockets } = await silentServer();
    try {
      const client = new Redis(port, '127.0.0.1', { ...quiet, commandTimeout: 100, enableReadyCheck: false });
      client.on('error', () => undefined);
      const error = await rejection(client, (c) => c.get('k'));
      expect((error as Error).message).toBe('Command timed out');
      expect(isRedisUnavailable(error)).toBe(true);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("tells a reply error from a Redis that answers apart, and this codebase's own error", async () => {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const error = await rejection(client, (c) => c.call('no-such-command'));
    expect((error as Error).name).toBe('ReplyError');
    expect(isRedisUnavailable(error)).toBe(false);
    expect(isRedisUnavailable(new Error('boom'))).toBe(false);
    expect(isRedisUnavailable(new RedisUnavailableError('at h:1'))).toBe(true);
    expect(isRedisUnavailable(new Error('wrapped', { cause: new RedisUnavailableError() }))).toBe(true);
  });
});
