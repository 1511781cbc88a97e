import { configureApp } from '@app/common';
import { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import Redis from 'ioredis';
import type { AddressInfo } from 'node:net';

import { deleteKeys } from './support';

export { deleteKeys, eventually, freePort } from './support';

export interface BootedApp {
  app: NestExpressApplication;
  url: string;
}

/**
 * Boots an app's real AppModule on an ephemeral port, configured exactly as main.ts does.
 * `customize` may override providers (a ManualClock, say) before compiling.
 */
export async function bootApp(
  module: Type<unknown>,
  title: string,
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
  port = 0,
): Promise<BootedApp> {
  const moduleRef = await customize(Test.createTestingModule({ imports: [module] })).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
  configureApp(app, { title, description: title });
  await app.listen(port, '127.0.0.1');
  const { port: listening } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${listening}` };
}

/** A client on the test's Redis, for reading back what the apps wrote. */
export function testRedis(): Redis {
  return new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
}

/** A file's afterAll: closes the apps it booted, in the order given, then deletes its keys and closes its client. */
export async function closeAndClean(redis: Redis | undefined, ...apps: Array<BootedApp | undefined>): Promise<void> {
  for (const booted of apps) await booted?.app.close();
  if (!redis) return;
  await deleteKeys(redis, process.env.REDIS_PREFIX!);
  await redis.quit();
}
