import { RequireScope, Scope } from '@app/common';
import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto';
import { TaskPageDto } from './dto/task-page.dto';
import { decodeCursor } from './page-cursor';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @RequireScope(Scope.Read)
  @Get()
  @ApiOperation({
    summary: 'List stored tasks by status and time window (scheduled_time, or completion time), with a cursor',
  })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiBadRequestResponse({ description: 'A bad status, time, limit or cursor, each named' })
  list(@Query() query: ListTasksQueryDto): Promise<TaskPageDto> {
    const from = query.from ? Date.parse(query.from) : -Infinity;
    const to = query.to ? Date.parse(query.to) : Infinity;
    if (from > to)
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: ['from must not be after to'] });
    return this.tasks.list({
      status: query.status,
      from,
      to,
      limit: query.limit ?? 100,
      cursor: query.cursor ? (decodeCursor(query.cursor) ?? undefined) : undefined,
    });
  }
}
