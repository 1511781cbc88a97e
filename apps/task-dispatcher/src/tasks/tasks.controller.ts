import { ApiErrorResponse, ApiUnavailableResponse, Page, RequireScope, Scope, Task } from '@app/common';
import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
    summary: 'List tasks',
    description:
      'Stored tasks of one status in a time window (scheduled_time, or the completion time for complete tasks), ' +
      'in index order, a page at a time.',
  })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiErrorResponse(400, 'A bad status, time, limit or cursor, each named; or from after to')
  @ApiUnavailableResponse()
  list(@Query() query: ListTasksQueryDto): Promise<Page<Task>> {
    const from = query.from ? Date.parse(query.from) : -Infinity;
    const to = query.to ? Date.parse(query.to) : Infinity;
    if (from > to) throw new BadRequestException('from must not be after to');
    return this.tasks.list({
      status: query.status,
      from,
      to,
      limit: query.limit ?? 100,
      cursor: query.cursor ? (decodeCursor(query.cursor) ?? undefined) : undefined,
    });
  }
}
