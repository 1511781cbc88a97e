import type { NextFunction, Request, Response } from 'express';
import { EventEmitter } from 'node:events';
import { AppLogger } from './app-logger';
import { REFUSALS_LOGGED_PER_SECOND, requestLog } from './request-log';

/** The request log's line for one request answered with `status`, or undefined when it writes none. */
function lineFor(
  status: number,
  level = 'log',
  headers: Record<string, string> = {},
): Record<string, unknown> | undefined {
  const lines: string[] = [];
  const middleware = requestLog(new AppLogger({ format: 'json', level, write: (line) => lines.push(line) }));
  const req = { method: 'POST', originalUrl: '/tasks?token=abc', headers } as unknown as Request;
  const sent = new Map<string, unknown>();
  const res = Object.assign(new EventEmitter(), {
    req,
    statusCode: status,
    setHeader: (name: string, value: unknown) => sent.set(name, value),
    getHeader: (name: string) => sent.get(name),
  }) as unknown as Response;
  middleware(req, res, (() => undefined) as NextFunction);
  res.emit('finish');
  return lines.length ? (JSON.parse(lines[0]) as Record<string, unknown>) : undefined;
}

describe('requestLog', () => {
  it('logs a client’s mistake and back-pressure at warn, a server error at error, success only at verbose', () => {
    expect(lineFor(400)).toMatchObject({ level: 'warn', context: 'http', status: 400, method: 'POST' });
    expect(lineFor(413)?.level).toBe('warn');
    expect(lineFor(503)?.level).toBe('warn');
    expect(lineFor(500)?.level).toBe('error');
    expect(lineFor(201)).toBeUndefined();
    expect(lineFor(201, 'verbose')).toMatchObject({ level: 'verbose', status: 201 });
  });

  it('carries the request id (the caller’s when well-formed), no stack and no header, and redacts the path', () => {
    const line = lineFor(401, 'log', { 'x-request-id': 'req-1', authorization: 'Bearer tq_secret' })!;
    expect(line).toMatchObject({ requestId: 'req-1', path: '/tasks?token=[redacted]' });
    expect(line).not.toHaveProperty('stack');
    expect(JSON.stringify(line)).not.toContain('tq_secret');
    expect(lineFor(400, 'log', { 'x-request-id': 'no spaces allowed' })!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs the first refusals of a second one by one and counts the rest in one line, never a server error', () => {
    jest.useFakeTimers();
    try {
      const lines: string[] = [];
      const middleware = requestLog(new AppLogger({ format: 'json', write: (line) => lines.push(line) }));
      const answer = (status: number) => {
        const req = { method: 'GET', originalUrl: '/tasks/x', headers: {} } as unknown as Request;
        const res = Object.assign(new EventEmitter(), {
          req,
          statusCode: status,
          setHeader: () => undefined,
          getHeader: () => undefined,
        }) as unknown as Response;
        middleware(req, res, (() => undefined) as NextFunction);
        res.emit('finish');
      };
      for (let i = 0; i < REFUSALS_LOGGED_PER_SECOND + 30; i++) answer(i % 2 ? 401 : 503);
      answer(500);
      expect(lines).toHaveLength(REFUSALS_LOGGED_PER_SECOND + 1);
      jest.advanceTimersByTime(1_000);
      const summary = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
      expect(summary).toMatchObject({
        level: 'warn',
        message: '30 more refused requests within a second, not logged one by one',
        byStatus: { 401: 15, 503: 15 },
      });
    } finally {
      jest.useRealTimers();
    }
  });
});
