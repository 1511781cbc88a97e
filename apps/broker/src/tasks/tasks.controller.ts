import { CallerKeyName, CreateTaskDto, RequireScope, Scope, Task } from '@app/common';
import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpException,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Res,
  ServiceUnavailableException,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { UnroutableError } from '../exchange/exchange.service';
import { SubmitRateLimitGuard } from './submit-rate-limit.guard';
import { AcceptedTask, RequestProcessor } from './request-processor.service';
import { BulkTasksPipe, MAX_BULK_TASKS } from './bulk-tasks.pipe';
import { CreateTaskPipe, TaskRequest } from './create-task.pipe';
import {
  KeyPendingFullError,
  QueueFullError,
  TaskAlreadyCompleteError,
  TaskIdTakenError,
  TaskNotFoundError,
} from './tasks.errors';

/** The RequestController: the broker's task API. */
@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly processor: RequestProcessor) {}

  @RequireScope(Scope.Submit)
  @Post()
  @UseGuards(SubmitRateLimitGuard)
  @ApiTooManyRequestsResponse({
    description:
      'Past SUBMIT_RATE_LIMIT or PENDING_CAP_PER_KEY for this key (nothing was enqueued); retry after Retry-After seconds',
  })
  @ApiBody({ type: CreateTaskDto })
  @ApiCreatedResponse({ description: '{id, queue, status}: the task is in Redis' })
  @ApiOkResponse({ description: 'A task with this id already exists; it is returned and not enqueued again' })
  @ApiUnprocessableEntityResponse({ description: 'No queue is bound to the binding key' })
  @ApiPayloadTooLargeResponse({ description: 'The request is over the size cap' })
  @ApiServiceUnavailableResponse({ description: 'The queue is at capacity; retry after Retry-After seconds' })
  @ApiConflictResponse({ description: 'The id is taken: another key submitted it, or this key with other content' })
  async create(
    @Body(CreateTaskPipe) dto: TaskRequest,
    @CallerKeyName() keyName: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const [accepted] = await this.acceptOrThrow([dto], keyName, res);
    if (!accepted.created) {
      res.status(HttpStatus.OK);
      return (await this.processor.find(accepted.task.id)) ?? accepted.task;
    }
    return { id: accepted.task.id, queue: accepted.task.queue, status: accepted.task.status };
  }

  @RequireScope(Scope.Submit)
  @Post('bulk')
  @UseGuards(SubmitRateLimitGuard)
  @ApiTooManyRequestsResponse({
    description:
      'Past SUBMIT_RATE_LIMIT or PENDING_CAP_PER_KEY for this key (nothing was enqueued); retry after Retry-After seconds',
  })
  @ApiBody({ type: [CreateTaskDto], description: `Up to ${MAX_BULK_TASKS} tasks, all accepted or none` })
  @ApiCreatedResponse({ description: '{ids}: every task is in Redis (known ids are not enqueued twice)' })
  @ApiUnprocessableEntityResponse({ description: 'An item has no queue bound to its binding key' })
  @ApiServiceUnavailableResponse({ description: 'A queue is at capacity; nothing was enqueued' })
  @ApiConflictResponse({ description: "An item's id is taken (named by its index); nothing was enqueued" })
  async createBulk(
    @Body(BulkTasksPipe) dtos: CreateTaskDto[],
    @CallerKeyName() keyName: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const accepted = await this.acceptOrThrow(dtos, keyName, res);
    return { ids: accepted.map((a) => a.task.id) };
  }

  @RequireScope(Scope.Read)
  @Get(':id')
  @ApiOkResponse({ description: 'The task with its status, attempts and task_update_time' })
  @ApiNotFoundResponse()
  async findOne(@Param('id') id: string): Promise<Task> {
    const task = await this.processor.find(id);
    if (!task) throw new NotFoundException(`no task ${id}`);
    return task;
  }

  @RequireScope(Scope.Admin)
  @Delete(':id')
  @ApiOkResponse({
    description:
      'The task, now cancelled (also when it already was): never delivered again; a running handler is aborted',
  })
  @ApiNotFoundResponse({ description: 'No such task' })
  @ApiConflictResponse({ description: 'The task is complete' })
  async cancel(@Param('id') id: string): Promise<Task> {
    try {
      return await this.processor.cancel(id);
    } catch (error) {
      if (error instanceof TaskNotFoundError) throw new NotFoundException(error.message);
      if (error instanceof TaskAlreadyCompleteError) throw new ConflictException(error.message);
      throw error;
    }
  }

  private async acceptOrThrow(dtos: CreateTaskDto[], keyName: string, res: Response): Promise<AcceptedTask[]> {
    try {
      return await this.processor.accept(dtos, keyName);
    } catch (error) {
      if (error instanceof TaskIdTakenError) throw new ConflictException(error.message);
      if (error instanceof KeyPendingFullError) {
        res.setHeader('Retry-After', '1');
        throw new HttpException(error.message, HttpStatus.TOO_MANY_REQUESTS);
      }
      if (error instanceof UnroutableError) throw new UnprocessableEntityException(error.message);
      if (error instanceof QueueFullError) {
        res.setHeader('Retry-After', '1');
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }
}
