import { PageDto, QUEUE_NAME_PATTERN } from '@app/common';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** A queue's definition, as POST /queues declares it and answers it. */
@ApiSchema({ name: 'QueueDefinition' })
export class QueueDefinitionDto {
  @ApiProperty({ pattern: QUEUE_NAME_PATTERN.source, example: 'example-reports' })
  name: string;

  @ApiProperty({ type: [String], example: ['example.report'], description: 'The binding keys routed to it' })
  binding_keys: string[];

  @ApiProperty({ type: 'integer', minimum: 1, example: 1000, description: 'Most tasks it holds' })
  capacity: number;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Declaration order: the order queues are assigned to consumers in',
  })
  declared?: number;
}

/** A queue with what it holds now, as GET /queues and GET /queues/:name show it. */
@ApiSchema({ name: 'Queue' })
export class QueueDto extends QueueDefinitionDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks held for delivery: pending + delayed + waiting' })
  depth: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Ready to be delivered' })
  pending: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Waiting for a retry' })
  delayed: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Delivered, not yet acked' })
  in_flight: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  dead_letters: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks no live consumer can run, waiting for one that can' })
  waiting_for_consumer: number;

  @ApiProperty({ type: String, nullable: true, description: 'The consumer it is assigned to; null while none is live' })
  consumer: string | null;
}

export const QueuePageDto = PageDto(QueueDto, 'Queue');

/** The answer of DELETE /queues/:name. */
@ApiSchema({ name: 'DeletedQueue' })
export class DeletedQueueDto {
  @ApiProperty({ example: 'example-reports', description: 'The queue deleted' })
  deleted: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks a forced delete cancelled' })
  cancelled: number;
}

/** The answer of POST /queues/:name/dead-letters/replay. */
@ApiSchema({ name: 'Replayed' })
export class ReplayedDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Dead letters sent back into the queue' })
  replayed: number;
}
