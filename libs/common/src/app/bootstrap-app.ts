import { Logger, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { logSettingsFromEnv } from '../config/log-settings';
import { AppLogger } from '../logging/app-logger';
import { AppDescription, configureApp } from './configure-app';

/**
 * The whole of an app's main.ts: create, configure like the tests do, stop gracefully on SIGTERM,
 * listen on PORT (or the app's default). A failed start logs why and exits 1.
 */
export function bootstrapApp(module: Type<unknown>, description: AppDescription & { defaultPort: number }): void {
  const start = async () => {
    const app = await NestFactory.create<NestExpressApplication>(module, {
      logger: new AppLogger(logSettingsFromEnv()),
      bufferLogs: true,
      bodyParser: false,
      // Peers keep their keep-alive sockets busy (acks, heartbeats, submits), so a plain close
      // would wait for them forever; every caller retries idempotently after a cut connection.
      forceCloseConnections: true,
    });
    configureApp(app, description);
    app.enableShutdownHooks();
    const port = app.get(ConfigService).get<number>('PORT') ?? description.defaultPort;
    await app.listen(port);
    Logger.log(`${description.title} listening on ${port}, Swagger UI at /docs`, 'bootstrap');
  };
  start().catch((error: Error) => {
    new Logger('bootstrap').fatal(`${description.title} failed to start: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
