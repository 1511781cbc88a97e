/**
 * The ceiling the HTTP adapter puts on one-task-per-request: a bare Nest app on platform-express
 * with the broker's own validation (CreateTaskDto through createValidationPipe) and no Redis, no
 * middleware, no logging. `npm run bench` starts it as a process and drives it like the broker.
 *
 *   PORT=3999 npx ts-node -r tsconfig-paths/register --transpile-only bench/bare-nest.ts
 */
import { CreateTaskDto, validationPipeProvider } from '@app/common';
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';

@Controller('tasks')
class BareTasksController {
  @Post()
  create(@Body() dto: CreateTaskDto) {
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

async function main(): Promise<void> {
  const app = await NestFactory.create(BareModule, { logger: ['error'] });
  await app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
  console.log('listening');
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
