import { PublicRoute } from '@app/common';
import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Post,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { DeliverySignatureCheck } from './delivery-signature.check';
import { BadDeliveryError, ConsumerPool, DrainingError, PoolFullError } from './consumer-pool.service';
import { DeliveryBatch, DeliveryBatchPipe } from './delivery-batch.pipe';
import { DeliveryBatchDto } from './dto/delivery.dto';

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
  @ApiAcceptedResponse({ description: 'Buffered; each task is acked to the broker once stored' })
  @ApiServiceUnavailableResponse({
    description: 'The buffers are full (or this consumer is stopping): nothing was taken',
  })
  @ApiUnauthorizedResponse({
    description: 'The push is not signed by the broker (x-tq-timestamp, x-tq-signature): nothing runs',
  })
  deliver(@Body(DeliveryBatchPipe) body: DeliveryBatch, @Req() req: Request): { accepted: number } {
    this.signature.assertVerified(req);
    try {
      this.pool.accept(body.deliveries);
    } catch (error) {
      if (error instanceof PoolFullError || error instanceof DrainingError)
        throw new ServiceUnavailableException(error.message);
      if (error instanceof BadDeliveryError) throw new BadRequestException(error.message);
      throw error;
    }
    return { accepted: body.deliveries.length };
  }
}
