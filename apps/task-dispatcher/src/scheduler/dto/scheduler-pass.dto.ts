import { ApiProperty } from '@nestjs/swagger';

/** What one scheduler pass did. */
export class SchedulerPassDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Due tasks triggered in this pass (released + completed + rescheduled)',
  })
  triggered: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Due tasks awaiting their handler, sent back to their queue to run now',
  })
  released: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Store-only once tasks that became complete' })
  completed: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Store-only periodic tasks that ran and moved to their next occurrence',
  })
  rescheduled: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Scheduled-index entries dropped because their task expired or is not scheduled',
  })
  pruned: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Due tasks another task-dispatcher triggered first' })
  skipped: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Script calls made, each at most SCHEDULER_BATCH tasks' })
  batches: number;

  @ApiProperty({ description: 'False when the pass stopped at SCHEDULER_MAX_BATCHES with tasks still due' })
  caught_up: boolean;

  @ApiProperty({ description: 'How long the pass took, in milliseconds (fractional)', example: 1.25 })
  duration_ms: number;
}
