import { checkedBy, CreateTaskDto, MAX_PRIORITY, TASK_TYPE_PATTERN } from '@app/common';
import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_BATCH, MAX_CONCURRENCY } from '../produce.constants';

/** [min, max] with min <= max; the element checks come from the other decorators. */
const IsOrderedPair = checkedBy(
  'isOrderedPair',
  (value: unknown) => Array.isArray(value) && value.length === 2 && value[0] <= value[1],
  (field) => `${field} must be [min, max] with min <= max`,
);

/** Tasks one POST /produce may make: a request is not a way to turn 10 KB into gigabytes. */
export const MAX_PRODUCE_COUNT = 100_000;

/** A run of the producer: how many tasks, how fast, and the template they are made from. */
export class ProduceDto extends OmitType(CreateTaskDto, ['id', 'task_type'] as const) {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_PRODUCE_COUNT, example: 1000 })
  @IsInt()
  @Min(1)
  @Max(MAX_PRODUCE_COUNT)
  count: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_CONCURRENCY,
    default: 16,
    description: 'Requests in flight at once',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CONCURRENCY)
  concurrency: number = 16;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_BATCH,
    default: 1,
    description: 'Tasks per request; above 1 uses POST /tasks/bulk',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH)
  batch: number = 1;

  @ApiPropertyOptional({
    pattern: TASK_TYPE_PATTERN.source,
    example: 'email',
    description: 'Required unless task_types is given',
  })
  @ValidateIf((dto: ProduceDto) => dto.task_types === undefined || dto.task_type !== undefined)
  @IsString()
  @Matches(TASK_TYPE_PATTERN, { message: 'task_type must match [a-z0-9_.-]{1,64}' })
  task_type?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['email', 'report'],
    description: 'Types given round-robin; overrides task_type',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Matches(TASK_TYPE_PATTERN, { each: true, message: 'each of task_types must match [a-z0-9_.-]{1,64}' })
  task_types?: string[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer' },
    example: [0, 9],
    description: '[min, max] priorities given round-robin; overrides priority',
  })
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(MAX_PRIORITY, { each: true })
  @IsOrderedPair()
  priority_range?: number[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 31_536_000,
    description: 'Scheduled times spread evenly over this window from scheduled_time (default now)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  schedule_spread_seconds?: number;
}
