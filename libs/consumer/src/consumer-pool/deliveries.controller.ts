import { ApiErrorResponse, PublicRoute, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@app/common';
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DeliverySignatureCheck } from './delivery-signature.check';
import { ConsumerPool } from './consumer-pool.service';
import { DeliveryBatch, DeliveryBatchPipe } from './delivery-batch.pipe';
import { AcceptedDeliveriesDto, DeliveryBatchDto } from './dto/delivery.dto';

@ApiTags('deliveries')
@Controller('deliveries')
export class DeliveriesController {
  constructor(
    private readonly pool: ConsumerPool,
    private readonly signature: DeliverySignatureCheck,
  ) {}

  /** DeliveryBatch is an interface, so the global ValidationPipe passes the body on to DeliveryBatchPipe. */
  @PublicRoute()
  @Post()
  @HttpCode(202)
  @ApiBody({ type: DeliveryBatchDto })
  @ApiOperation({
    summary: 'Take deliveries (called by the broker)',
    description:
      'The broker pushes a batch of tasks of the queues this consumer owns, signed with DELIVERY_SIGNING_KEYS when ' +
      'they are set. They are buffered and run; each is acked to the broker once its outcome is stored.',
  })
  @ApiHeader({
    name: TIMESTAMP_HEADER,
    description: 'When the broker signed the push (epoch ms); with DELIVERY_SIGNING_KEYS',
  })
  @ApiHeader({
    name: SIGNATURE_HEADER,
    description: 'v1=<hex HMAC-SHA256 of timestamp.body>; with DELIVERY_SIGNING_KEYS',
  })
  @ApiAcceptedResponse({ type: AcceptedDeliveriesDto, description: 'Buffered; each task is acked once stored' })
  @ApiErrorResponse(400, 'A bad batch, or a bad delivery (named by its index)')
  @ApiErrorResponse(
    401,
    `The push is not signed by the broker (${TIMESTAMP_HEADER}, ${SIGNATURE_HEADER}): nothing runs`,
  )
  @ApiErrorResponse(503, 'The buffers are full, or this consumer is stopping: nothing was taken', { retryAfter: true })
  deliver(@Body(DeliveryBatchPipe) body: DeliveryBatch, @Req() req: Request): { accepted: number } {
    this.signature.assertVerified(req);
    this.pool.accept(body.deliveries);
    return { accepted: body.deliveries.length };
  }
}
