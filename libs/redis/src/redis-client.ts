import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { RedisUnavailableError } from './redis-unavailable';
import { defineScripts, LuaScript } from './scripts/lua-script';

/**
 * How long a command may go unanswered before it fails (REDIS_COMMAND_TIMEOUT_MS). A request makes
 * a few round trips and must be answered within a second while Redis hangs; no command of these
 * apps takes this long on a Redis that works (scripts touch at most a batch of about a thousand
 * tasks). A command that timed out may still have been applied: its caller gets 503 and resends
 * (a task with its id is not stored twice).
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 800;
/** How long an app waits at start for Redis before it gives up, so a Redis started alongside has time. */
export const START_TIMEOUT_MS = 5_000;

function clientOptions(commandTimeoutMs: number): RedisOptions {
  return {
    enableAutoPipelining: true,
    commandTimeout: commandTimeoutMs,
    // A connection that stops answering (a hung server, a broken network) is dropped and made again,
    // so later commands fail at once (no offline queue) instead of each waiting for its timeout: a
    // request making several round trips is still answered within about one timeout. The price: a
    // script running longer than this cuts the commands in flight with it (raise the setting then).
    socketTimeout: commandTimeoutMs,
    connectTimeout: 3_000,
    // A command cut off by a lost connection has already failed its caller (503): sending it again
    // on the next connection would do work nobody waits for.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 2_000) + Math.floor(Math.random() * 100),
  };
}

/** Where a client connects, for log lines: host:port (or the socket path), never the credentials. */
export function redisAddress(client: Redis): string {
  const { host, port, path } = client.options;
  return path ?? `${host}:${port}`;
}

/**
 * Commands sent before the first connection wait for it (a client is used right after it is made);
 * once connected, a command sent while the connection is lost fails at once, so a request is
 * answered 503 without waiting for a Redis that is not there.
 */
function failFastOnceReady(client: Redis): void {
  client.once('ready', () => (client.options.enableOfflineQueue = false));
}

/**
 * One line when the connection is lost (where, and why), one when it is back; the errors between
 * are ioredis retrying. Nothing before the first connection: the start reports that (waitUntilReady).
 */
function reportOutages(client: Redis, logger: Logger): void {
  let connected = false;
  let down = false;
  const lost = (cause: string) => {
    down = true;
    logger.error(`Redis cannot be reached at ${redisAddress(client)} (${cause}); retrying`);
  };
  client.on('error', (error: Error) => {
    if (!connected || down) return logger.debug(`Redis at ${redisAddress(client)}: ${error.message}`);
    lost(plainCause(error, client));
  });
  // A connection the server closed without an error (a restart): requests fail until the next
  // one is ready, so that is an outage too. Not emitted after quit() or disconnect().
  client.on('reconnecting', () => {
    if (connected && !down) lost('the connection was closed');
  });
  client.on('ready', () => {
    if (down) logger.log(`Redis at ${redisAddress(client)} is back`);
    connected = true;
    down = false;
  });
}

/** ioredis's timeouts, in words; other causes (ECONNREFUSED, WRONGPASS) say enough as they are. */
function plainCause(error: Error, client: Redis): string {
  if (/^Socket timeout/.test(error.message)) return `no answer within ${client.options.socketTimeout} ms`;
  if (/^Command timed out/.test(error.message)) return `no answer within ${client.options.commandTimeout} ms`;
  return error.message;
}

/** Builds the client an app uses: REDIS_URL from config, the app's scripts defined. */
export function createRedisClient(
  url: string,
  scripts: readonly LuaScript[] = [],
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Redis {
  const client = new Redis(url, clientOptions(commandTimeoutMs));
  failFastOnceReady(client);
  reportOutages(client, new Logger('Redis'));
  defineScripts(client, scripts);
  return client;
}

/**
 * A second connection like `client`'s (a subscriber, say), with its own error listener: the
 * first client already reports an outage, so this one's errors are only logged at debug.
 */
export function duplicateClient(client: Redis): Redis {
  const duplicate = client.duplicate({ enableOfflineQueue: true });
  failFastOnceReady(duplicate);
  const logger = new Logger('Redis');
  duplicate.on('error', (error: Error) => logger.debug(`Redis at ${redisAddress(duplicate)}: ${error.message}`));
  return duplicate;
}

/**
 * Resolves once the client is connected; fails with RedisUnavailableError naming where and why
 * after `timeoutMs`, and disconnects it, so an app that cannot reach Redis fails its start plainly.
 */
export async function waitUntilReady(client: Redis, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  if (client.status === 'ready') return;
  let lastError: Error | undefined;
  const onError = (error: Error) => (lastError = error);
  let onReady: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  client.on('error', onError);
  try {
    const ready = await new Promise<boolean>((resolve) => {
      onReady = () => resolve(true);
      client.once('ready', onReady);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    if (ready) return;
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
    if (onReady) client.off('ready', onReady);
  }
  client.disconnect();
  const why = lastError ? plainCause(lastError, client) : `no connection within ${timeoutMs / 1000} s`;
  throw new RedisUnavailableError(`at ${redisAddress(client)} (${why})`);
}
