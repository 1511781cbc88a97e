import { pageOf, PageQueryDto, RequireScope, Scope } from '@app/common';
import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConsumerRegistry } from '../consumers/consumer-registry.service';
import { QueueWakers } from '../dispatcher/queue-wakers';
import { DeclareQueueDto } from '../queue-registry/dto/declare-queue.dto';
import { queueDepth, QueueRegistry } from '../queue-registry/queue-registry.service';
import {
  BindingConflictError,
  QueueNotEmptyError,
  TooManyQueuesError,
  UnknownQueueError,
} from '../queue-registry/queue-registry.errors';
import { DeleteQueueQueryDto } from './dto/delete-queue-query.dto';
import { LimitQueryDto, MAX_LISTED } from './dto/limit-query.dto';

@ApiTags('queues')
@Controller('queues')
export class QueuesController {
  constructor(
    private readonly queues: QueueRegistry,
    private readonly consumers: ConsumerRegistry,
    private readonly wakers: QueueWakers,
  ) {}

  @RequireScope(Scope.Read)
  @Get()
  @ApiOkResponse({
    description:
      '{items, next_cursor}: queues in declaration order, each with its depth, in-flight, dead letters and assigned consumer',
  })
  async list(@Query() query: PageQueryDto) {
    await this.queues.load();
    // Declaration order (the round-robin order): `declared` is unique and increasing.
    // The name breaks ties: queues from before `declared` was kept have none.
    const page = pageOf(this.queues.list(), (q) => `${String(q.declared ?? 0).padStart(16, '0')}:${q.name}`, query);
    return { items: await this.describe(page.items.map((q) => q.name)), next_cursor: page.next_cursor };
  }

  @RequireScope(Scope.Admin)
  @Post()
  @ApiCreatedResponse({ description: 'Declared (201), or already declared and updated (200)' })
  @ApiConflictResponse({ description: 'A binding key is bound to another queue, or MAX_QUEUES are declared' })
  async declare(@Body() dto: DeclareQueueDto, @Res({ passthrough: true }) res: Response) {
    try {
      const { created, queue } = await this.queues.declare(dto);
      if (!created) res.status(HttpStatus.OK);
      return queue;
    } catch (error) {
      if (error instanceof BindingConflictError || error instanceof TooManyQueuesError)
        throw new ConflictException(error.message);
      throw error;
    }
  }

  @RequireScope(Scope.Admin)
  @Delete(':name')
  @ApiOkResponse({
    description:
      '{deleted, cancelled}: the queue is gone, with its binding keys; cancelled counts the tasks a forced delete cancelled',
  })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The queue holds tasks; ?force=true cancels them and deletes it' })
  async remove(@Param('name') name: string, @Query() query: DeleteQueueQueryDto) {
    try {
      const cancelled = await this.queues.delete(name, query.force === 'true');
      return { deleted: name, cancelled };
    } catch (error) {
      if (error instanceof UnknownQueueError) throw new NotFoundException(error.message);
      if (error instanceof QueueNotEmptyError) throw new ConflictException(error.message);
      throw error;
    }
  }

  @RequireScope(Scope.Read)
  @Get(':name')
  @ApiOkResponse({ description: 'The queue with its depth, in-flight, dead letters and assigned consumer' })
  @ApiNotFoundResponse()
  async findOne(@Param('name') name: string) {
    await this.known(name);
    const [queue] = await this.describe([name]);
    return queue;
  }

  @RequireScope(Scope.Read)
  @Get(':name/dead-letters')
  @ApiOkResponse({ description: 'Dead-lettered tasks, oldest first, with their last error' })
  @ApiNotFoundResponse()
  async deadLetters(@Param('name') name: string, @Query() query: LimitQueryDto) {
    await this.known(name);
    return this.queues.deadLetters(name, query.limit ?? 100);
  }

  @RequireScope(Scope.Admin)
  @Post(':name/dead-letters/replay')
  @ApiCreatedResponse({ description: '{replayed}: how many dead letters went back into the queue' })
  @ApiNotFoundResponse()
  async replay(@Param('name') name: string, @Query() query: LimitQueryDto) {
    await this.known(name);
    const replayed = await this.queues.replayDeadLetters(name, query.limit ?? MAX_LISTED);
    this.wakers.notify(name);
    return { replayed };
  }

  private async known(name: string): Promise<void> {
    try {
      this.queues.get(name);
    } catch (error) {
      if (!(error instanceof UnknownQueueError)) throw error;
      await this.queues.load();
      if (!this.queues.list().some((q) => q.name === name)) throw new NotFoundException(error.message);
    }
  }

  private async describe(names: string[]) {
    const [stats, assignment] = await Promise.all([this.queues.stats(names), this.consumers.assignment()]);
    return names.map((name) => {
      const queue = this.queues.get(name);
      const s = stats.get(name)!;
      return {
        name,
        binding_keys: queue.binding_keys,
        capacity: queue.capacity,
        depth: queueDepth(s),
        ...s,
        consumer: assignment.get(name)?.id ?? null,
      };
    });
  }
}
