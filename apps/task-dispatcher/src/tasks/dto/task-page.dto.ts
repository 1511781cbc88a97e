import { ApiProperty } from '@nestjs/swagger';
import type { Task } from '@app/common';

/** One page of GET /tasks. */
export class TaskPageDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description:
      'Tasks in index order; one whose hash expired meanwhile is left out, so a page may hold fewer than limit',
  })
  items: Task[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page' })
  next_cursor: string | null;
}
