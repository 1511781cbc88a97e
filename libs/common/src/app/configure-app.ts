import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface AppDescription {
  title: string;
  description: string;
}

/** One JSON object a line, at LOG_LEVEL and above. */
export function jsonLogger(level = 'log'): ConsoleLogger {
  const upTo = Math.max(LEVELS.indexOf(level as LogLevel), LEVELS.indexOf('error'));
  return new ConsoleLogger({ json: true, logLevels: LEVELS.slice(0, upTo + 1) });
}

/**
 * Gives each request an id (taken from `x-request-id` or made), echoes it, and logs failed
 * requests with it; successful ones only at verbose level, since the hot path serves thousands a second.
 */
function requestIdMiddleware(logger: ConsoleLogger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const entry = {
        requestId,
        method: req.method,
        path: req.originalUrl,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      };
      // 503 is back-pressure (a full queue or buffer), not a fault.
      if (res.statusCode >= 500 && res.statusCode !== 503) logger.error(entry, 'http');
      else if (res.statusCode >= 400) logger.warn(entry, 'http');
      else logger.verbose(entry, 'http');
    });
    next();
  };
}

/**
 * What main.ts and the e2e tests both apply to an app, so tests see production behaviour:
 * structured logs, request ids, the body limit (MAX_BODY_BYTES) and Swagger UI at /docs.
 */
export function configureApp(app: NestExpressApplication, description: AppDescription): void {
  const config = app.get(ConfigService);
  const logger = jsonLogger(config.get<string>('LOG_LEVEL'));
  app.useLogger(logger);
  app.use(requestIdMiddleware(logger));
  app.useBodyParser('json', { limit: config.get<number>('MAX_BODY_BYTES') ?? 65_536 });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(description.title).setDescription(description.description).setVersion('1.0').build(),
  );
  SwaggerModule.setup('docs', app, document);
}
