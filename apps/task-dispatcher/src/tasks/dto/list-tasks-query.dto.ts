import { checkedBy } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, Min } from 'class-validator';
import { decodeCursor } from '../page-cursor';

export const LISTED_STATUSES = ['scheduled', 'complete'] as const;
export type ListedStatus = (typeof LISTED_STATUSES)[number];

const IsPageCursor = checkedBy(
  'isPageCursor',
  (value: unknown) => typeof value === 'string' && decodeCursor(value) !== null,
  (field) => `${field} must be a next_cursor returned by GET /tasks`,
);

/** GET /tasks: one index (by status), a time window on its score, and a page. */
export class ListTasksQueryDto {
  @ApiProperty({ enum: LISTED_STATUSES, description: 'scheduled: by scheduled_time; complete: by completion time' })
  @IsIn(LISTED_STATUSES)
  status: ListedStatus;

  @ApiPropertyOptional({ format: 'date-time', description: 'Earliest time, inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Latest time, inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page, with the same status, from and to' })
  @IsOptional()
  @IsString()
  @IsPageCursor()
  cursor?: string;
}
