import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import type { IncomingMessage } from 'node:http';
import { routedPath } from './request-path';

/** Routes whose bodies are batches (tasks, deliveries, acks, lease extensions): up to MAX_BODY_BYTES. */
export const BATCH_BODY_PATHS = new Set(['/tasks/bulk', '/deliveries', '/acks', '/leases']);
/** Every other route's body: a registration, a declaration, a run request. */
export const SMALL_BODY_BYTES = 16 * 1024;

export interface BodyLimits {
  /** MAX_BODY_BYTES: the batch routes' limit. */
  batchBytes: number;
  /** MAX_TASK_BYTES where the app has it: a single POST /tasks. */
  taskBytes?: number;
  verify: (req: IncomingMessage, res: unknown, raw: Buffer) => void;
}

/**
 * One JSON parser per size class, chosen by path before a byte is read, so a small route never
 * reads a batch-sized body: bulk, deliveries, acks and leases take MAX_BODY_BYTES, a single task
 * MAX_TASK_BYTES, everything else SMALL_BODY_BYTES. A refusal names the limit and the route.
 */
export function jsonBodyParsers(limits: BodyLimits): RequestHandler {
  const parser = (limit: number) => json({ limit, verify: limits.verify });
  const batch = parser(limits.batchBytes);
  const task = limits.taskBytes === undefined ? undefined : parser(limits.taskBytes);
  const small = parser(SMALL_BODY_BYTES);
  return (req: Request, res: Response, next: NextFunction) => {
    const path = routedPath(req);
    const [chosen, limit] = BATCH_BODY_PATHS.has(path)
      ? [batch, limits.batchBytes]
      : task && path === '/tasks'
        ? [task, limits.taskBytes!]
        : [small, SMALL_BODY_BYTES];
    chosen(req, res, (error?: unknown) => {
      const tooLarge = error as { type?: string; message?: string } | undefined;
      if (tooLarge?.type === 'entity.too.large')
        tooLarge.message = `a request to ${path} may be at most ${limit} bytes`;
      next(error);
    });
  };
}
