import { RedisUnavailableError } from '@app/redis/redis-unavailable';
import { ArgumentsHost, BadRequestException, NotFoundException } from '@nestjs/common';
import { DomainError, RefusalKind } from '../errors/domain-error';
import { ExceptionsFilter } from './exceptions.filter';

class Refused extends DomainError {
  constructor(
    readonly kind: RefusalKind,
    readonly retryAfterSeconds?: number,
  ) {
    super(`refused as ${kind}`);
  }
}

/** What the filter answered: status, headers and body, read off a stand-in for Express's response. */
function answer(exception: unknown) {
  const sent = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown };
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => (sent.headers[name.toLowerCase()] = value),
    status: (status: number) => ((sent.status = status), res),
    json: (body: unknown) => (sent.body = body),
  };
  const req = { method: 'GET', originalUrl: '/x' };
  const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }) } as unknown as ArgumentsHost;
  new ExceptionsFilter().catch(exception, host);
  return sent;
}

describe('ExceptionsFilter', () => {
  it.each([
    [RefusalKind.Invalid, 400, undefined],
    [RefusalKind.Unauthenticated, 401, undefined],
    [RefusalKind.NotFound, 404, undefined],
    [RefusalKind.Conflict, 409, undefined],
    [RefusalKind.Unprocessable, 422, undefined],
    [RefusalKind.OverLimit, 429, '1'],
    [RefusalKind.Busy, 503, '1'],
  ])('answers a %s refusal %d, with Retry-After %s', (kind, status, retryAfter) => {
    const sent = answer(new Refused(kind));
    expect(sent.status).toBe(status);
    expect(sent.headers['retry-after']).toBe(retryAfter);
    expect(sent.body).toEqual({ statusCode: status, error: expect.any(String), message: [`refused as ${kind}`] });
  });

  it("keeps a refusal's own Retry-After", () => {
    expect(answer(new Refused(RefusalKind.Busy, 7)).headers['retry-after']).toBe('7');
  });

  it("answers Nest's exceptions in the one shape, whether built from a string or a list", () => {
    expect(answer(new NotFoundException('no task t1')).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: ['no task t1'],
    });
    expect(answer(new BadRequestException({ message: ['a is bad', 'b is bad'] })).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['a is bad', 'b is bad'],
    });
  });

  it("answers a body parser's refusal by its status, and hides a message it does not expose", () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { statusCode: 413, expose: true });
    expect(answer(tooLarge).body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: ['request entity too large'],
    });
    const hidden = Object.assign(new Error('internal detail'), { statusCode: 400, expose: false });
    expect(answer(hidden).body).toEqual({ statusCode: 400, error: 'Bad Request', message: ['Bad Request'] });
  });

  it('answers a Redis that cannot be reached 503 with Retry-After, and anything else 500 without its message', () => {
    const down = answer(new RedisUnavailableError('at h:1'));
    expect([down.status, down.headers['retry-after'], down.body]).toEqual([
      503,
      '2',
      { statusCode: 503, error: 'Service Unavailable', message: ['Redis cannot be reached; retry after 2 s'] },
    ]);
    const fault = answer(new TypeError('x is not a function'));
    expect([fault.status, fault.body]).toEqual([
      500,
      { statusCode: 500, error: 'Internal Server Error', message: ['internal server error'] },
    ]);
  });
});
