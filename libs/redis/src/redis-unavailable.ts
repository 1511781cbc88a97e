/** Socket errors a lost or unreachable Redis server produces (Node's net and dns codes). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/** The messages ioredis rejects a command with when it has no usable connection. */
const UNAVAILABLE_MESSAGES = [
  /^Command timed out$/, // commandTimeout passed: the server accepts but does not answer
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^Connection is closed\.$/,
  /^Command aborted due to connection close$/,
  /^Reached the max retries per request limit/,
  /^connect ETIMEDOUT$/,
  /^Socket timeout\./,
  /^Redis cannot be reached/, // RedisUnavailableError's own
];

/** Replies of a server that is up but cannot serve yet (loading its dataset, no master). */
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN) /;

/** Thrown by this codebase where it finds Redis unusable itself (a readiness check, say). */
export class RedisUnavailableError extends Error {
  constructor(where?: string) {
    super(where ? `Redis cannot be reached ${where}` : 'Redis cannot be reached');
    this.name = 'RedisUnavailableError';
  }
}

/**
 * True when `error` says Redis could not be reached or did not answer in time — ioredis's
 * connection, timeout and offline errors, a socket error, or such an error as a `cause` — as
 * opposed to a reply error from a script or a bug. The exception filter answers these 503.
 */
export function isRedisUnavailable(error: unknown): boolean {
  for (let depth = 0; depth < 5 && error instanceof Error; depth++) {
    if (error instanceof RedisUnavailableError || error.name === 'MaxRetriesPerRequestError') return true;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    const message = error.message;
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    if (error.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(message)) return true;
    error = error.cause;
  }
  return false;
}

/** The part of a Nest Logger logJobFailure needs. */
interface JobLogger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Logs what a background job (a poll, a pass, a reaper) could not do, as `what: message`. While
 * Redis cannot be reached its client has said so once, and when it is back (createRedisClient), so
 * each job's failure then goes to debug instead of repeating that every round; anything else at `level`.
 */
export function logJobFailure(
  logger: JobLogger,
  what: string,
  error: unknown,
  level: 'warn' | 'error' = 'error',
): void {
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  if (isRedisUnavailable(error)) logger.debug(message);
  else logger[level](message);
}
