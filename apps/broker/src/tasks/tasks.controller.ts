import {
  ApiErrorResponse,
  ApiUnavailableResponse,
  CallerKeyName,
  CreateTaskDto,
  RequireScope,
  Scope,
  Task,
  TaskDto,
} from '@app/common';
import { Body, Controller, Delete, Get, HttpStatus, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AcceptedTaskDto } from './dto/accepted-task.dto';
import { AcceptedTasksDto } from './dto/accepted-tasks.dto';
import { BULK_EXAMPLES, EXAMPLE_TASK_ID, TASK_EXAMPLES } from './dto/task-examples';
import { SubmitRateLimitGuard } from './submit-rate-limit.guard';
import { RequestProcessor } from './request-processor.service';
import { BulkTasksPipe, MAX_BULK_TASKS } from './bulk-tasks.pipe';
import { CreateTaskPipe, TaskRequest } from './create-task.pipe';
import { TaskNotFoundError } from './tasks.errors';

/** The RequestController: the broker's task API. */
@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly processor: RequestProcessor) {}

  @RequireScope(Scope.Submit)
  @Post()
  @UseGuards(SubmitRateLimitGuard)
  @ApiOperation({
    summary: 'Submit a task',
    description:
      'Routes the task by its binding key (default: its task_type) to a queue, which keeps it until a consumer ' +
      'has stored it. A task with a scheduled_time in the future or a periodicity waits for the task-dispatcher. ' +
      "An id is the submitting key's: the same key sending the same task again gets 200 and it is not enqueued twice.",
  })
  @ApiBody({ type: CreateTaskDto, examples: TASK_EXAMPLES })
  @ApiCreatedResponse({ type: AcceptedTaskDto, description: 'The task is in Redis' })
  @ApiOkResponse({
    type: TaskDto,
    description: 'This key sent this task before: it is returned as it is now, not enqueued again',
  })
  @ApiErrorResponse(400, 'A bad field (each one named), or a body that is not valid JSON')
  @ApiErrorResponse(409, 'The id is taken: another key submitted it, or this key with other content')
  @ApiErrorResponse(413, 'The body is over MAX_TASK_BYTES')
  @ApiErrorResponse(422, 'No queue is bound to the binding key')
  @ApiErrorResponse(
    429,
    'Past SUBMIT_RATE_LIMIT or PENDING_CAP_PER_KEY for this key: nothing was enqueued; retry after Retry-After seconds',
    { retryAfter: true },
  )
  @ApiUnavailableResponse('The queue is at capacity')
  async create(
    @Body(CreateTaskPipe) dto: TaskRequest,
    @CallerKeyName() keyName: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const [accepted] = await this.processor.accept([dto], keyName);
    if (!accepted.created) {
      res.status(HttpStatus.OK);
      return (await this.processor.find(accepted.task.id)) ?? accepted.task;
    }
    return { id: accepted.task.id, queue: accepted.task.queue, status: accepted.task.status };
  }

  @RequireScope(Scope.Submit)
  @Post('bulk')
  @UseGuards(SubmitRateLimitGuard)
  @ApiOperation({
    summary: 'Submit up to 1000 tasks at once',
    description:
      'Each task is checked and routed as by POST /tasks; all are accepted or none is. ' +
      'A refusal of an item names it by its index (`[2] priority must not be greater than 9`). ' +
      'Ids this key already sent with the same content are not enqueued twice.',
  })
  @ApiBody({
    type: [CreateTaskDto],
    description: `1 to ${MAX_BULK_TASKS} tasks, all accepted or none`,
    examples: BULK_EXAMPLES,
  })
  @ApiCreatedResponse({ type: AcceptedTasksDto, description: 'Every task is in Redis' })
  @ApiErrorResponse(400, 'Not an array of 1..1000 tasks, or bad items (each named by its index)')
  @ApiErrorResponse(409, "An item's id is taken (named by its index): nothing was enqueued")
  @ApiErrorResponse(413, 'The body is over MAX_BODY_BYTES')
  @ApiErrorResponse(422, 'An item has no queue bound to its binding key (named by its index): nothing was enqueued')
  @ApiErrorResponse(
    429,
    'Past SUBMIT_RATE_LIMIT or PENDING_CAP_PER_KEY for this key: nothing was enqueued; retry after Retry-After seconds',
    { retryAfter: true },
  )
  @ApiUnavailableResponse('A queue is at capacity: nothing was enqueued')
  async createBulk(@Body(BulkTasksPipe) dtos: CreateTaskDto[], @CallerKeyName() keyName: string) {
    const accepted = await this.processor.accept(dtos, keyName);
    return { ids: accepted.map((a) => a.task.id) };
  }

  @RequireScope(Scope.Read)
  @Get(':id')
  @ApiOperation({
    summary: 'Read a task',
    description:
      'The task with its status, attempts, last_error and, when it has them, result, progress and its latest runs.',
  })
  @ApiParam({ name: 'id', description: 'The task id', example: EXAMPLE_TASK_ID })
  @ApiOkResponse({ type: TaskDto })
  @ApiErrorResponse(404, 'No such task (or it expired after its retention period)')
  @ApiUnavailableResponse()
  async findOne(@Param('id') id: string): Promise<Task> {
    const task = await this.processor.find(id);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  @RequireScope(Scope.Admin)
  @Delete(':id')
  @ApiOperation({
    summary: 'Cancel a task',
    description:
      'The task is never delivered again: it leaves its queue or the scheduled index, a periodic task stops for ' +
      'good, and a running handler has its signal aborted (its run ends cancelled, not retried). ' +
      'Cancelling a cancelled task changes nothing.',
  })
  @ApiParam({ name: 'id', description: 'The task id', example: EXAMPLE_TASK_ID })
  @ApiOkResponse({ type: TaskDto, description: 'The task, now cancelled (also when it already was)' })
  @ApiErrorResponse(404, 'No such task')
  @ApiErrorResponse(409, 'The task is complete')
  @ApiUnavailableResponse()
  cancel(@Param('id') id: string): Promise<Task> {
    return this.processor.cancel(id);
  }
}
