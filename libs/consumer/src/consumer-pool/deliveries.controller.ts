import { PublicRoute } from '@app/common';
import { BadRequestException, Body, Controller, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { BadDeliveryError, ConsumerPool, DrainingError, PoolFullError } from './consumer-pool.service';
import { DeliveryBatch, DeliveryBatchPipe } from './delivery-batch.pipe';
import { DeliveryBatchDto } from './dto/delivery.dto';

@ApiTags('deliveries')
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly pool: ConsumerPool) {}

  /** DeliveryBatch is an interface, so the global ValidationPipe passes the body on to DeliveryBatchPipe. */
  @PublicRoute()
  @Post()
  @HttpCode(202)
  @ApiBody({ type: DeliveryBatchDto })
  @ApiAcceptedResponse({ description: 'Buffered; each task is acked to the broker once stored' })
  @ApiServiceUnavailableResponse({ description: 'The buffers are full (or this consumer is stopping): nothing was taken' })
  deliver(@Body(DeliveryBatchPipe) body: DeliveryBatch): { accepted: number } {
    try {
      this.pool.accept(body.deliveries);
    } catch (error) {
      if (error instanceof PoolFullError || error instanceof DrainingError) throw new ServiceUnavailableException(error.message);
      if (error instanceof BadDeliveryError) throw new BadRequestException(error.message);
      throw error;
    }
    return { accepted: body.deliveries.length };
  }
}
