import { ApiErrorResponse, ApiUnavailableResponse, RequireScope, Scope } from '@app/common';
import { Body, Controller, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AckBatch, AckBatchPipe } from './ack-batch.pipe';
import { DeliveryOutcomes } from './delivery-outcomes.service';
import { AckBatchDto } from './dto/ack.dto';
import { ConsumerAuthGuard } from '../consumers/consumer-auth.guard';
import { CONSUMER_ID_HEADER, CONSUMER_SECRET_HEADER } from '../consumers/consumer-registry.service';

@ApiTags('acks')
@Controller('acks')
@UseGuards(ConsumerAuthGuard)
export class AcksController {
  constructor(private readonly outcomes: DeliveryOutcomes) {}

  /** AckBatch is an interface, so the global ValidationPipe passes the body on to AckBatchPipe. */
  @RequireScope(Scope.Consumer)
  @Post()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Ack deliveries',
    description:
      'A consumer reports each delivery it stored (ok) or failed: a failed one is retried after its backoff or ' +
      'dead-lettered once its retries are spent. Unknown or stale delivery ids are ignored.',
  })
  @ApiHeader({ name: CONSUMER_ID_HEADER, description: 'The consumer id registration returned', required: true })
  @ApiHeader({ name: CONSUMER_SECRET_HEADER, description: 'The secret registration returned', required: true })
  @ApiBody({ type: AckBatchDto })
  @ApiNoContentResponse({ description: 'Acks recorded' })
  @ApiErrorResponse(401, 'No API key or an unknown one, or not a registered consumer, or the wrong secret')
  @ApiUnavailableResponse()
  async ack(@Body(AckBatchPipe) body: AckBatch, @Headers(CONSUMER_ID_HEADER) consumerId: string): Promise<void> {
    // ConsumerAuthGuard checked the id and its secret.
    await this.outcomes.ack(body.acks, consumerId);
  }
}
