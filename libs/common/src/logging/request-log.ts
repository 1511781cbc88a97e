import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { AuthenticatedRequest } from '../auth/auth.constants';
import type { AppLogger } from './app-logger';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const REQUEST_STARTED = Symbol('requestStarted');
type TimedResponse = Response & { [REQUEST_STARTED]?: bigint };

/** Refused requests (4xx, 503) logged one by one each second; the rest are counted in one summary line. */
export const REFUSALS_LOGGED_PER_SECOND = 20;

/**
 * Anyone can send requests that are refused (no key, a bad body), and while Redis is away every
 * request is: past the first REFUSALS_LOGGED_PER_SECOND of a second, refusals are counted by status
 * and one line at the end of the second says how many more there were.
 */
class RefusalBudget {
  private windowStart = -Infinity;
  private logged = 0;
  private counted = new Map<number, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly logger: AppLogger) {}

  /** Whether this refusal gets a line of its own. */
  take(status: number): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1_000) {
      this.flush();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged < REFUSALS_LOGGED_PER_SECOND) {
      this.logged++;
      return true;
    }
    this.counted.set(status, (this.counted.get(status) ?? 0) + 1);
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + 1_000 - now)).unref();
    return false;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counted.size === 0) return;
    const byStatus = Object.fromEntries(this.counted);
    const count = [...this.counted.values()].reduce((sum, n) => sum + n, 0);
    this.logger.warn(
      `${count} more refused requests within a second, not logged one by one`,
      { count, byStatus },
      'http',
    );
    this.counted = new Map();
  }
}

/**
 * Gives each request an id (taken from `x-request-id` or made), echoes it, and logs failed
 * requests with it: a client's mistake (4xx) and back-pressure (503) at warn, a server error at
 * error (its stack comes from the exception filter's line); successful ones only at verbose, since
 * the hot path serves thousands a second. One 'finish' listener shared by every response (no
 * closure per request): it reads the id back from the response header and the start time from a
 * symbol on the response. No header is logged, and the path's secrets are redacted by the logger.
 */
export function requestLog(logger: AppLogger) {
  const verbose = logger.isLevelEnabled('verbose');
  const refusals = new RefusalBudget(logger);
  function onFinish(this: TimedResponse) {
    const status = this.statusCode;
    if (status < 400 && !verbose) return;
    const refused = status >= 400 && (status < 500 || status === 503);
    if (refused && !refusals.take(status)) return;
    const req = this.req as Request & AuthenticatedRequest;
    const ms = Math.round(Number(process.hrtime.bigint() - (this[REQUEST_STARTED] ?? 0n)) / 1e5) / 10;
    const fields = {
      requestId: this.getHeader('x-request-id'),
      method: req.method,
      path: req.originalUrl,
      status,
      ms,
      keyName: req.apiKey?.name,
    };
    const message = `${req.method} ${req.originalUrl} ${status} in ${ms} ms`;
    // 503 is back-pressure (a full queue or buffer, Redis away), not a fault of this server.
    if (status >= 500 && status !== 503) logger.error(message, fields, 'http');
    else if (status >= 400) logger.warn(message, fields, 'http');
    else logger.verbose(message, fields, 'http');
  }
  return (req: Request, res: TimedResponse, next: NextFunction) => {
    const header = req.headers['x-request-id'];
    res.setHeader('x-request-id', typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID());
    res[REQUEST_STARTED] = process.hrtime.bigint();
    res.on('finish', onFinish);
    next();
  };
}
