/**
 * The ceiling the HTTP adapter puts on one-task-per-request: a bare Nest app with the broker's own
 * validation (CreateTaskPipe, behind the global ValidationPipe as in the broker) and no Redis, no
 * middleware, no logging,
 * on platform-express (the apps' adapter) or, with ADAPTER=fastify, on platform-fastify, to
 * measure the alternative. `npm run bench` starts it as a process and drives it like the broker.
 *
 *   PORT=3999 [ADAPTER=fastify] npx ts-node -r tsconfig-paths/register --transpile-only bench/bare-nest.ts
 */
import { validationPipeProvider } from '@app/common';
import { Body, Controller, Get, INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { CreateTaskPipe, TaskRequest } from '../apps/broker/src/tasks/create-task.pipe';

@Controller('tasks')
class BareTasksController {
  @Post()
  create(@Body(CreateTaskPipe) dto: TaskRequest) {
    return { id: dto.id ?? randomUUID(), queue: dto.task_type, status: 'queued' };
  }
}

@Controller('health')
class BareHealthController {
  @Get()
  health() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [BareTasksController, BareHealthController], providers: [validationPipeProvider] })
class BareModule {}

async function create(): Promise<INestApplication> {
  const adapter = process.env.ADAPTER ?? 'express';
  if (adapter === 'express') return NestFactory.create(BareModule, { logger: ['error'] });
  if (adapter !== 'fastify') throw new Error(`ADAPTER must be express or fastify, got ${adapter}`);
  // A dev dependency only the bench uses: loaded when asked for, so the express run does not pay for it.
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(BareModule, new FastifyAdapter(), { logger: ['error'] });
}

async function main(): Promise<void> {
  const app = await create();
  await app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
  console.log('listening');
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
