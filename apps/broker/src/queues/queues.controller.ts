import {
  ApiErrorResponse,
  ApiUnavailableResponse,
  pageOf,
  PageQueryDto,
  RequireScope,
  Scope,
  TaskDto,
} from '@app/common';
import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConsumerRegistry } from '../consumers/consumer-registry.service';
import { QueueWakers } from '../dispatcher/queue-wakers';
import { DeclareQueueDto } from '../queue-registry/dto/declare-queue.dto';
import { queueDepth, QueueRegistry } from '../queue-registry/queue-registry.service';
import { UnknownQueueError } from '../queue-registry/queue-registry.errors';
import { DeleteQueueQueryDto } from './dto/delete-queue-query.dto';
import { LimitQueryDto, MAX_LISTED } from './dto/limit-query.dto';
import { DeletedQueueDto, QueueDefinitionDto, QueuePageDto, ReplayedDto, QueueDto } from './dto/queue.dto';

/** A queue the default QUEUES declares: what the read examples look at. */
const READ_EXAMPLE = { name: 'name', description: 'The queue name', example: 'default' };
/** A queue no default declares (POST /queues's example makes it): the admin examples alter nothing else. */
const ADMIN_EXAMPLE = { name: 'name', description: 'The queue name', example: 'example-reports' };

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
  @ApiOperation({
    summary: 'List queues',
    description:
      'Queues in declaration order (the order they are assigned to consumers in), each with its depth, ' +
      'in-flight and dead-letter counts and its assigned consumer.',
  })
  @ApiOkResponse({ type: QueuePageDto })
  @ApiUnavailableResponse()
  async list(@Query() query: PageQueryDto) {
    await this.queues.load();
    // Declaration order (the round-robin order): `declared` is unique and increasing.
    // The name breaks ties: queues from before `declared` was kept have none.
    const page = pageOf(this.queues.list(), (q) => `${String(q.declared ?? 0).padStart(16, '0')}:${q.name}`, query);
    return { items: await this.describe(page.items.map((q) => q.name)), next_cursor: page.next_cursor };
  }

  @RequireScope(Scope.Admin)
  @Post()
  @ApiOperation({
    summary: 'Declare a queue',
    description:
      'Declares a queue with its binding keys and capacity, or updates a declared one (its binding keys then are ' +
      'the ones sent). Every replica routes to it within a second.',
  })
  @ApiBody({
    type: DeclareQueueDto,
    examples: {
      new: {
        summary: 'A new queue (201, then 200 when sent again)',
        value: { name: 'example-reports', binding_keys: ['example.report'], capacity: 1000 },
      },
    },
  })
  @ApiCreatedResponse({ type: QueueDefinitionDto, description: 'Declared' })
  @ApiOkResponse({ type: QueueDefinitionDto, description: 'Already declared: updated to this definition' })
  @ApiErrorResponse(409, 'A binding key is bound to another queue, or MAX_QUEUES are declared')
  @ApiUnavailableResponse()
  async declare(@Body() dto: DeclareQueueDto, @Res({ passthrough: true }) res: Response) {
    const { created, queue } = await this.queues.declare(dto);
    if (!created) res.status(HttpStatus.OK);
    return queue;
  }

  @RequireScope(Scope.Admin)
  @Delete(':name')
  @ApiOperation({
    summary: 'Delete a queue',
    description:
      'The queue is gone with its binding keys. ' +
      'One that holds tasks is refused unless ?force=true, which cancels them.',
  })
  @ApiParam(ADMIN_EXAMPLE)
  @ApiOkResponse({ type: DeletedQueueDto })
  @ApiErrorResponse(404, 'No such queue')
  @ApiErrorResponse(409, 'The queue holds tasks; ?force=true cancels them and deletes it')
  @ApiUnavailableResponse()
  async remove(@Param('name') name: string, @Query() query: DeleteQueueQueryDto) {
    const cancelled = await this.queues.delete(name, query.force === 'true');
    return { deleted: name, cancelled };
  }

  @RequireScope(Scope.Read)
  @Get(':name')
  @ApiOperation({
    summary: 'Read a queue',
    description: 'The queue with its depth, in-flight and dead-letter counts and its assigned consumer.',
  })
  @ApiParam(READ_EXAMPLE)
  @ApiOkResponse({ type: QueueDto })
  @ApiErrorResponse(404, 'No such queue')
  @ApiUnavailableResponse()
  async findOne(@Param('name') name: string) {
    await this.known(name);
    const [queue] = await this.describe([name]);
    return queue;
  }

  @RequireScope(Scope.Read)
  @Get(':name/dead-letters')
  @ApiOperation({
    summary: "List a queue's dead letters",
    description: 'Tasks that ran out of retries, oldest first, each with its last error.',
  })
  @ApiParam(READ_EXAMPLE)
  @ApiOkResponse({ type: [TaskDto] })
  @ApiErrorResponse(404, 'No such queue')
  @ApiUnavailableResponse()
  async deadLetters(@Param('name') name: string, @Query() query: LimitQueryDto) {
    await this.known(name);
    return this.queues.deadLetters(name, query.limit ?? 100);
  }

  @RequireScope(Scope.Admin)
  @Post(':name/dead-letters/replay')
  @ApiOperation({
    summary: 'Replay dead letters',
    description:
      `Sends up to limit (default ${MAX_LISTED}) dead letters, ` +
      'oldest first, back into the queue with their attempts reset.',
  })
  @ApiParam(ADMIN_EXAMPLE)
  @ApiCreatedResponse({ type: ReplayedDto })
  @ApiErrorResponse(404, 'No such queue')
  @ApiUnavailableResponse()
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
      if (!this.queues.list().some((q) => q.name === name)) throw error;
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
