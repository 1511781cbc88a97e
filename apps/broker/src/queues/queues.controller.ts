import {
  Body,
  ConflictException,
  Controller,
  DefaultValuePipe,
  Get,
  HttpStatus,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConsumerRegistry } from '../consumers/consumer-registry.service';
import { DispatcherService } from '../dispatcher/dispatcher.service';
import { DeclareQueueDto } from '../queue-registry/dto/declare-queue.dto';
import { QueueRegistry } from '../queue-registry/queue-registry.service';
import { BindingConflictError, UnknownQueueError } from '../queue-registry/queue-registry.errors';

const MAX_LISTED = 1000;

@ApiTags('queues')
@Controller('queues')
export class QueuesController {
  constructor(
    private readonly queues: QueueRegistry,
    private readonly consumers: ConsumerRegistry,
    private readonly dispatcher: DispatcherService,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'Every queue with its depth, in-flight, dead letters and assigned consumer' })
  async list() {
    await this.queues.load();
    return this.describe(this.queues.list().map((q) => q.name));
  }

  @Post()
  @ApiCreatedResponse({ description: 'Declared (201), or already declared and updated (200)' })
  @ApiConflictResponse({ description: 'A binding key is bound to another queue' })
  async declare(@Body() dto: DeclareQueueDto, @Res({ passthrough: true }) res: Response) {
    try {
      const { created, queue } = await this.queues.declare(dto);
      if (!created) res.status(HttpStatus.OK);
      return queue;
    } catch (error) {
      if (error instanceof BindingConflictError) throw new ConflictException(error.message);
      throw error;
    }
  }

  @Get(':name')
  @ApiOkResponse({ description: 'The queue with its depth, in-flight, dead letters and assigned consumer' })
  @ApiNotFoundResponse()
  async findOne(@Param('name') name: string) {
    await this.known(name);
    const [queue] = await this.describe([name]);
    return queue;
  }

  @Get(':name/dead-letters')
  @ApiQuery({ name: 'limit', required: false, description: `At most ${MAX_LISTED}` })
  @ApiOkResponse({ description: 'Dead-lettered tasks, oldest first, with their last error' })
  @ApiNotFoundResponse()
  async deadLetters(@Param('name') name: string, @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number) {
    await this.known(name);
    return this.queues.deadLetters(name, Math.min(Math.max(limit, 1), MAX_LISTED));
  }

  @Post(':name/dead-letters/replay')
  @ApiQuery({ name: 'limit', required: false, description: `At most ${MAX_LISTED} per call` })
  @ApiCreatedResponse({ description: '{replayed}: how many dead letters went back into the queue' })
  @ApiNotFoundResponse()
  async replay(@Param('name') name: string, @Query('limit', new DefaultValuePipe(MAX_LISTED), ParseIntPipe) limit: number) {
    await this.known(name);
    const replayed = await this.queues.replayDeadLetters(name, Math.min(Math.max(limit, 1), MAX_LISTED));
    this.dispatcher.notify(name);
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
        depth: s.pending + s.delayed,
        ...s,
        consumer: assignment.get(name)?.id ?? null,
      };
    });
  }
}
