import { PageDto, TaskDto } from '@app/common';

/** One page of GET /tasks: tasks in index order (one whose hash expired meanwhile is left out). */
export const TaskPageDto = PageDto(TaskDto, 'Task');
