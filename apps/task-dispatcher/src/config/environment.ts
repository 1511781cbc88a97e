import { BaseEnvironment } from '@app/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min } from 'class-validator';

/** Everything the task-dispatcher reads from its environment; see .env.example. */
export class TaskDispatcherEnvironment extends BaseEnvironment {
  /** When the scheduler pass runs (6-field cron with seconds, or 5-field). */
  @IsString()
  SCHEDULER_CRON: string = '0 * * * * *';

  @IsString()
  CLEANUP_CRON: string = '30 */10 * * * *';

  /** How long a completed task is kept before cleanup deletes it. */
  @Type(() => Number) @IsInt() @Min(1)
  RETENTION_DAYS: number = 30;

  /** Tasks claimed per scheduler script call. */
  @Type(() => Number) @IsInt() @Min(1)
  SCHEDULER_BATCH: number = 500;

  /** Tasks deleted per cleanup script call. */
  @Type(() => Number) @IsInt() @Min(1)
  CLEANUP_BATCH: number = 500;
}
