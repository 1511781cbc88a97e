import { Logger, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { logSettingsFromEnv } from '../config/log-settings';
import { AppLogger } from '../logging/app-logger';
import { AppDescription, configureApp } from './configure-app';
import { startFailure } from './start-failure';

/**
 * The whole of an app's main.ts: create, configure like the tests do, stop gracefully on SIGTERM,
 * listen on PORT (or the app's default). A failed start prints one line naming the cause and exits 1.
 */
export function bootstrapApp(module: Type<unknown>, description: AppDescription & { defaultPort: number }): void {
  const logger = new AppLogger(logSettingsFromEnv());
  const start = async () => {
    const app = await NestFactory.create<NestExpressApplication>(module, {
      logger,
      bufferLogs: true,
      // Nest's own answer to a failed start is to exit at once with its log still buffered (so
      // nothing is printed): the error comes back here instead, to be said in one line. The
      // buffered start-up lines are printed once the app listens, and not at all after a failure.
      abortOnError: false,
      autoFlushLogs: false,
      bodyParser: false,
      // Peers keep their keep-alive sockets busy (acks, heartbeats, submits), so a plain close
      // would wait for them forever; every caller retries idempotently after a cut connection.
      forceCloseConnections: true,
    });
    configureApp(app, description);
    app.enableShutdownHooks();
    const port = app.get(ConfigService).get<number>('PORT') ?? description.defaultPort;
    await app.listen(port);
    app.flushLogs();
    Logger.log(`${description.title} listening on ${port}, Swagger UI at /docs`, 'bootstrap');
  };
  start().catch((error: unknown) => {
    // Straight to the logger, not through Nest's Logger: that one is still buffering start-up lines.
    logger.fatal(`${description.title} failed to start: ${startFailure(error)}`, 'bootstrap');
    if (error instanceof Error) logger.debug(error.stack, 'bootstrap');
    process.exit(1);
  });
}
