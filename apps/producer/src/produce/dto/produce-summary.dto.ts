import { ApiProperty } from '@nestjs/swagger';
import type { ProduceSummary } from '../produce-tally';

/** The answer of POST /produce; documents ProduceSummary for Swagger. */
export class ProduceSummaryDto implements ProduceSummary {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks sent at least once' }) sent: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Tasks the broker accepted (201, or 200 for an id it already had)',
  })
  accepted: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks the broker refused with a 4xx' }) rejected: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { '422: no queue is bound to binding key "x"': 10 },
  })
  rejected_reasons: Record<string, number>;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks given up on after the retries ran out' })
  failed: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { ECONNREFUSED: 10 } })
  failed_reasons: Record<string, number>;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Task resends after 503/429 with Retry-After' })
  retried_after_503: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Task resends after a network error, timeout or 5xx' })
  retried_after_error: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Task ids carried by the broker answers' })
  accepted_ids: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'HTTP requests made, retries included' }) requests: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Elapsed time of the run, in milliseconds' }) ms: number;
  @ApiProperty({ description: 'Accepted tasks per second' }) tasks_per_second: number;
}
