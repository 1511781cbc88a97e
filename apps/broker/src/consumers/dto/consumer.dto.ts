import { PageDto } from '@app/common';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { CONSUMER_SECRET_HEADER } from '../consumer-registry.service';

const EXAMPLE_CONSUMER_ID = '9b2f4c1e-5d6a-4f7b-8c9d-0e1f2a3b4c5d';

/** The answer of a heartbeat: the queues the consumer owns now. */
@ApiSchema({ name: 'ConsumerQueues' })
export class ConsumerQueuesDto {
  @ApiProperty({ example: EXAMPLE_CONSUMER_ID })
  id: string;

  @ApiProperty({ type: [String], example: ['default', 'email'], description: 'The queues it owns now' })
  queues: string[];
}

/** The answer of POST /consumers. */
@ApiSchema({ name: 'RegisteredConsumer' })
export class RegisteredConsumerDto extends ConsumerQueuesDto {
  @ApiProperty({
    description:
      `What its heartbeats, leases, acks and deregistration carry in ${CONSUMER_SECRET_HEADER}; ` + 'shown only here',
  })
  secret: string;
}

/** A live consumer, as GET /consumers lists it. */
@ApiSchema({ name: 'Consumer' })
export class ConsumerDto extends ConsumerQueuesDto {
  @ApiProperty({ example: 'http://127.0.0.1:9090', description: 'Where the broker pushes its deliveries' })
  url: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 4000, description: 'Tasks it can buffer' })
  capacity: number;

  @ApiProperty({ type: [String], example: ['echo', '*'], description: 'The task types it runs (`*`: stores any)' })
  types: string[];

  @ApiProperty({ format: 'date-time' })
  last_heartbeat: string;
}

export const ConsumerPageDto = PageDto(ConsumerDto, 'Consumer');
