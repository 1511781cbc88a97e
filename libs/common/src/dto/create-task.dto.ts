import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDefined,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { isPeriodicity } from '../periodicity/periodicity';
import { checkedBy } from './checked-by';
import { MAX_PRIORITY, TASK_ID_PATTERN, TASK_TYPE_PATTERN } from '../task/task.model';

/** A periodicity this system can run: once, hourly, daily, weekly, monthly or 5 cron fields (UTC). */
export const IsPeriodicity = checkedBy(
  'isPeriodicity',
  isPeriodicity,
  (field) => `${field} must be once, hourly, daily, weekly, monthly or a 5-field cron expression`,
);

/**
 * A time JavaScript can read: isISO8601 also passes week dates (2026-W47-1), ordinal dates and
 * decimal hours, which `new Date` cannot read, and the task's times are kept as epoch milliseconds.
 */
export const isReadableTime = (value: unknown): boolean =>
  typeof value === 'string' && Number.isFinite(Date.parse(value));

const IsReadableTime = checkedBy(
  'isReadableTime',
  isReadableTime,
  (field) => `${field} must be a calendar date-time such as 2026-11-22T10:00:00Z (week and ordinal dates are not read)`,
);

/** Ends with Z or an offset: a time without one would mean the host's time zone. */
export const hasTimeZone = (value: string): boolean => /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(value);

/** A readable time must say its zone; an unreadable one gets the other checks' messages only. */
const IsZonedTime = checkedBy(
  'isZonedTime',
  (value) => !isReadableTime(value) || hasTimeZone(value as string),
  (field) =>
    `${field} must end with Z or an offset such as +02:00: without one it would be read in the server's time zone`,
);

/**
 * Not before 1970: a time that far back is a mistake (a year typed short, a zero value), and a
 * periodic task would count its missed occurrences from there.
 */
export const isNotBeforeEpoch = (value: unknown): boolean => !isReadableTime(value) || Date.parse(value as string) >= 0;

const IsNotBeforeEpoch = checkedBy(
  'isNotBeforeEpoch',
  isNotBeforeEpoch,
  (field) => `${field} must be 1970-01-01T00:00:00Z or later`,
);

/** A plain JSON object: not an array, not null. */
const IsJsonObject = checkedBy(
  'isJsonObject',
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  (field) => `${field} must be a JSON object`,
);

export class CreateTaskDto {
  @ApiPropertyOptional({
    description: 'Client-chosen id; a resubmitted id is not enqueued twice',
    pattern: TASK_ID_PATTERN.source,
  })
  @IsOptional()
  @IsString()
  @Matches(TASK_ID_PATTERN, { message: 'id must be 1..128 characters of A-Z a-z 0-9 _ . : -, and not . or ..' })
  id?: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'send welcome mail' })
  @IsDefined()
  @IsString()
  @Length(1, 200)
  task_name: string;

  @ApiProperty({
    pattern: TASK_TYPE_PATTERN.source,
    example: 'email',
    description: 'Picks the handler in the consumer',
  })
  @IsDefined()
  @IsString()
  @Matches(TASK_TYPE_PATTERN, { message: 'task_type must match [a-z0-9_.-]{1,64}' })
  task_type: string;

  @ApiPropertyOptional({ pattern: TASK_TYPE_PATTERN.source, description: 'Routing key; defaults to task_type' })
  @IsOptional()
  @IsString()
  @Matches(TASK_TYPE_PATTERN, { message: 'binding_key must match [a-z0-9_.-]{1,64}' })
  binding_key?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_PRIORITY,
    default: 0,
    description: 'Higher is dispatched first',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PRIORITY)
  priority?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { to: 'ada@example.com' } })
  @IsOptional()
  @IsObject()
  @IsJsonObject()
  payload?: Record<string, unknown>;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the task-dispatcher triggers it; default now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @IsReadableTime()
  @IsZonedTime()
  @IsNotBeforeEpoch()
  scheduled_time?: string;

  @ApiPropertyOptional({
    default: 'once',
    example: 'daily',
    description: 'once, hourly, daily, weekly, monthly or a 5-field cron (UTC)',
  })
  @IsOptional()
  @IsPeriodicity()
  periodicity?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 25,
    default: 5,
    description: 'Deliveries after the first before dead-lettering',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(25)
  max_retries?: number;
}
