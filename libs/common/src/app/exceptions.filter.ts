import { isRedisUnavailable } from '@app/redis/redis-unavailable';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, RefusalKind } from '../errors/domain-error';
import { errorBody, ErrorBody } from './error-body';

const STATUS_OF: Record<RefusalKind, HttpStatus> = {
  [RefusalKind.Invalid]: HttpStatus.BAD_REQUEST,
  [RefusalKind.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [RefusalKind.NotFound]: HttpStatus.NOT_FOUND,
  [RefusalKind.Conflict]: HttpStatus.CONFLICT,
  [RefusalKind.Unprocessable]: HttpStatus.UNPROCESSABLE_ENTITY,
  [RefusalKind.OverLimit]: HttpStatus.TOO_MANY_REQUESTS,
  [RefusalKind.Busy]: HttpStatus.SERVICE_UNAVAILABLE,
};

/** The kinds that always carry Retry-After (1 s unless the refusal says how long). */
const INVITES_RETRY: ReadonlySet<RefusalKind> = new Set([RefusalKind.OverLimit, RefusalKind.Busy]);

/** How long a client is asked to wait while Redis cannot be reached: ioredis reconnects within 2 s. */
export const REDIS_RETRY_AFTER_SECONDS = 2;

interface Answer {
  body: ErrorBody;
  retryAfterSeconds?: number;
}

/** An error from Node's http-errors (what body-parser throws): a 4xx status and a message meant for the client. */
interface HttpError extends Error {
  statusCode: number;
  expose?: boolean;
}

function isClientHttpError(error: unknown): error is HttpError {
  const status = (error as HttpError | undefined)?.statusCode;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

/** An HttpException's message(s), whether it was built from a string or from a body of its own. */
function httpExceptionMessages(exception: HttpException): string | string[] {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String);
  return exception.message;
}

/**
 * Every error an app answers goes through here, so each has one shape (ErrorBody) and one status
 * for one cause: Nest's HttpExceptions as they are; the services' named refusals (DomainError) by
 * their kind; a Redis that cannot be reached 503 with Retry-After; a body parser's refusal by its
 * status. Anything else is a fault of ours: 500 with a plain message, and its stack in the log.
 * Client errors are not logged here: the request log has each at warn.
 */
@Catch()
export class ExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionsFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    const answer = this.answerFor(exception, http.getRequest<Request>());
    if (answer.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
    res.status(answer.body.statusCode).json(answer.body);
  }

  private answerFor(exception: unknown, req: Request): Answer {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // 503 is back-pressure (no room, shutting down), not a fault.
      if (status >= 500 && status !== 503) this.logFault(exception, req);
      return { body: errorBody(status, httpExceptionMessages(exception)) };
    }
    if (exception instanceof DomainError) {
      return {
        body: errorBody(STATUS_OF[exception.kind], exception.message),
        retryAfterSeconds: exception.retryAfterSeconds ?? (INVITES_RETRY.has(exception.kind) ? 1 : undefined),
      };
    }
    if (isRedisUnavailable(exception)) {
      return {
        body: errorBody(
          HttpStatus.SERVICE_UNAVAILABLE,
          `Redis cannot be reached; retry after ${REDIS_RETRY_AFTER_SECONDS} s`,
        ),
        retryAfterSeconds: REDIS_RETRY_AFTER_SECONDS,
      };
    }
    if (isClientHttpError(exception)) {
      const status = exception.statusCode;
      return { body: errorBody(status, exception.expose === false ? errorBody(status, []).error : exception.message) };
    }
    this.logFault(exception, req);
    return { body: errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'internal server error') };
  }

  private logFault(exception: unknown, req: Request): void {
    const error = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error(`${req.method} ${req.originalUrl} failed: ${error.message}`, error.stack);
  }
}
