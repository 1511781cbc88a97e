import { BaseEnvironment, checkedBy } from '@app/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { validateCronExpression } from 'cron';

/** A cron expression the `cron` package (which @nestjs/schedule runs) accepts, 5 or 6 fields. */
const IsCronExpression = checkedBy(
  'isCronExpression',
  (value: unknown) => typeof value === 'string' && validateCronExpression(value).valid,
  (field) => `${field} must be a cron expression (5 fields, or 6 with seconds first)`,
);

/** Everything the task-dispatcher reads from its environment; see .env.example. */
export class TaskDispatcherEnvironment extends BaseEnvironment {
  /** When the scheduler pass runs (6-field cron with seconds, or 5-field). */
  @IsString()
  @IsCronExpression()
  SCHEDULER_CRON: string = '0 * * * * *';

  @IsString()
  @IsCronExpression()
  CLEANUP_CRON: string = '30 */10 * * * *';

  /** How long a completed task is kept before cleanup deletes it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RETENTION_DAYS: number = 30;

  /** Tasks claimed per scheduler script call. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SCHEDULER_BATCH: number = 500;

  /** Most batches one scheduler pass claims; what is left waits for the next pass. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  SCHEDULER_MAX_BATCHES: number = 1000;

  /**
   * Longest wait between looks at the next due task (ms), so a task starts this soon after its time; 0 leaves passes to
   * the cron.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  SCHEDULER_WAKE_MS: number = 250;

  /** Tasks deleted (and index entries checked) per cleanup script call. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CLEANUP_BATCH: number = 500;

  /** Most batches one cleanup pass runs per step (deleting, pruning each index). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CLEANUP_MAX_BATCHES: number = 1000;
}
