import { buildApiDocument } from '@app/common';
import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { BootedApp, bootApp } from './helpers';

/** The apps whose documents are the contract: linted by npm run lint:api, checked by test/api-contract. */
export const API_APPS = ['broker', 'consumer', 'producer', 'task-dispatcher'] as const;
export type ApiApp = (typeof API_APPS)[number];

/**
 * Boots one app's real AppModule as the e2e tests do. Imported when called: each app reads its
 * environment when its module loads, after the caller has set it.
 */
export async function bootForDocument(name: ApiApp, port?: number): Promise<BootedApp> {
  return bootApp(await appModule(name), name, undefined, port);
}

const appModule = async (name: ApiApp): Promise<Type<unknown>> =>
  ((await import(`../apps/${name}/src/app.module`)) as { AppModule: Type<unknown> }).AppModule;

/**
 * The document an app serves, built from its module without starting it: nothing runs, nothing
 * is written to Redis, no registration goes out.
 */
export async function builtDocument(name: ApiApp): Promise<OpenAPIObject> {
  const moduleRef = await Test.createTestingModule({ imports: [await appModule(name)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
  try {
    return buildApiDocument(app, { title: name, description: name });
  } finally {
    await app.close();
  }
}

/** The OpenAPI document an app serves. */
export async function servedDocument(url: string): Promise<OpenAPIObject> {
  return (await request(url).get('/docs-json').expect(200)).body as OpenAPIObject;
}
