import { configureApp } from '@app/common';
import { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import Redis from 'ioredis';
import type { AddressInfo } from 'node:net';

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

