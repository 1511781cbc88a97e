import { ApiProperty } from '@nestjs/swagger';

/** What one cleanup pass did. */
export class CleanupPassDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Completed tasks older than the retention period deleted, with their index entries',
  })
  deleted: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Index entries dropped because their task had expired' })
  pruned: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Script calls made, each at most CLEANUP_BATCH tasks' })
  batches: number;

  @ApiProperty({ description: 'False when a step stopped at CLEANUP_MAX_BATCHES with work left for the next pass' })
  caught_up: boolean;

  @ApiProperty({ description: 'How long the pass took, in milliseconds (fractional)', example: 1.25 })
  duration_ms: number;
}
