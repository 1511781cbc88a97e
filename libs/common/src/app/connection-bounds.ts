import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BATCH_BODY_PATHS } from './body-limits';
import { routedPath } from './request-path';

/**
 * A whole request must arrive within this long; a batch route's (a bulk body of MAX_BODY_BYTES on a slow link) within
 * twice it.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Node's defaults let a client hold a socket for minutes (partial headers 88 s, a slow body 328 s
 * were seen): a socket idle for HTTP_IDLE_TIMEOUT_MS is closed, headers must arrive within it too,
 * a whole request within REQUEST_TIMEOUT_MS (a batch route's within twice that), keep-alive
 * sockets close after 5 s idle or 1,000 requests, and at most MAX_CONNECTIONS are open at once.
 */
export function boundConnections(server: Server, idleMs: number, maxConnections: number): void {
  // The request each socket is serving: a quiet socket is closed unless its request arrived whole
  // and is being answered (a long scheduler pass, a /produce run), which may take minutes.
  const serving = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serving.set(req.socket, { req, res });
    // Node's requestTimeout (the batch routes' bound) is one for all routes; the others get less.
    if (BATCH_BODY_PATHS.has(routedPath(req))) return;
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, REQUEST_TIMEOUT_MS).unref();
    res.once('close', () => clearTimeout(timer));
  });
  server.on('timeout', (socket: Socket) => {
    const current = serving.get(socket);
    if (current && current.req.complete && !current.res.writableEnded) return;
    socket.destroy();
  });
  server.timeout = idleMs;
  server.headersTimeout = idleMs;
  server.requestTimeout = 2 * REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = Math.min(5_000, idleMs);
  server.maxRequestsPerSocket = 1_000;
  server.maxConnections = maxConnections;
}
