import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { authenticateRequests } from '../auth/authenticate.middleware';
import { AuthSettings } from '../auth/auth-settings';
import { AppLogger } from '../logging/app-logger';
import { requestLog } from '../logging/request-log';
import { serveApiDocument } from './api-document';
import { jsonBodyParsers } from './body-limits';
import { errorBody } from './error-body';
import { ExceptionsFilter } from './exceptions.filter';
import { boundConnections } from './connection-bounds';
import { routedPath } from './request-path';
import { jsonBodyVerifier, MAX_KEYS, MAX_KEYS_PER_OBJECT } from './json-body';
import { RawBodyCheck } from './raw-body-check';

/**
 * A provider the app may or may not have. Asked of ModuleRef, not the app: NestFactory's app is a
 * proxy that exits the process when a lookup throws.
 */
function optionalProvider<T>(app: NestExpressApplication, token: abstract new (...args: never[]) => T): T | undefined {
  try {
    return app.get(ModuleRef).get(token, { strict: false });
  } catch {
    return undefined;
  }
}

export interface AppDescription {
  title: string;
  description: string;
}

/** Refuses a request whose body is in some other format than JSON, before anything reads it. */
function refuseNonJsonBodies(req: Request, res: Response, next: NextFunction): void {
  if (!hasNonJsonBody(req)) return next();
  res.status(415).json(errorBody(415, 'the body must be JSON (Content-Type: application/json)'));
}

/** A request that carries a body in some other format than JSON. */
function hasNonJsonBody(req: Request): boolean {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  return hasBody && !/^application\/([\w.+-]+\+)?json\b/i.test(req.headers['content-type'] ?? '');
}

/**
 * What main.ts and the e2e tests both apply to an app, so tests see production behaviour:
 * structured logs, request ids, the body checks (MAX_BODY_BYTES, MAX_JSON_DEPTH) and Swagger UI at /docs.
 */
export function configureApp(app: NestExpressApplication, description: AppDescription): void {
  const config = app.get(ConfigService);
  const logger = new AppLogger({ level: config.get<string>('LOG_LEVEL'), format: config.get('LOG_FORMAT') });
  app.useLogger(logger);
  // An API's bodies are not cached by clients: no ETag (a hash of every response body) and no banner.
  app.set('etag', false);
  app.disable('x-powered-by');
  boundConnections(
    app.getHttpServer(),
    config.get<number>('HTTP_IDLE_TIMEOUT_MS') ?? 10_000,
    config.get<number>('MAX_CONNECTIONS') ?? 4096,
  );
  app.use(requestLog(logger));
  app.use(refuseNonJsonBodies);
  app.useGlobalFilters(new ExceptionsFilter());
  const auth = app.get(AuthSettings);
  if (!auth.enabled)
    logger.warn('AUTH=off: no request is asked for an API key; never run this way on a network', 'auth');
  // Before the body parser: a request without a valid key is refused before its body is read.
  const rawCheck = optionalProvider(app, RawBodyCheck);
  app.use(authenticateRequests(auth, rawCheck ? [rawCheck.path] : []));
  const onRoute = (req: Request | IncomingMessage) => rawCheck !== undefined && routedPath(req) === rawCheck.path;
  if (rawCheck) {
    app.use((req: Request, res: Response, next: NextFunction) => {
      const refusal = onRoute(req) ? rawCheck.beforeBody(req) : undefined;
      if (!refusal) return next();
      res.status(refusal.status).json(errorBody(refusal.status, refusal.message));
    });
  }
  const checkJson = jsonBodyVerifier(config.get<number>('MAX_JSON_DEPTH') ?? 32, {
    maxKeysPerObject: MAX_KEYS_PER_OBJECT,
    maxKeys: MAX_KEYS,
    maxItemBytes: config.get<number>('MAX_TASK_BYTES'),
  });
  // JSON only (the app is created without Nest's default parsers, so a form body is never a task),
  // sized per route, refusing invalid UTF-8, deep nesting, too many keys and prototype keys before
  // anything walks the body. A signed push comes from the broker, which took every task in it under
  // these limits, so its key count is not bounded again (a batch of large payloads would pass it).
  app.use(
    jsonBodyParsers({
      batchBytes: config.get<number>('MAX_BODY_BYTES') ?? 65_536,
      taskBytes: config.get<number>('MAX_TASK_BYTES'),
      verify: (req: IncomingMessage, res: unknown, raw: Buffer) => {
        if (rawCheck && onRoute(req)) rawCheck.onBody(req, raw);
        checkJson(req, res, raw, rawCheck?.active && onRoute(req) ? {} : undefined);
      },
    }),
  );
  serveApiDocument(app, description);
}
