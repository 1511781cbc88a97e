import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { AckBatch, AckBatchPipe } from './ack-batch.pipe';
import { DispatcherService } from './dispatcher.service';
import { AckBatchDto } from './dto/ack.dto';

@ApiTags('acks')
@Controller('acks')
export class AcksController {
  constructor(private readonly dispatcher: DispatcherService) {}

  /** AckBatch is an interface, so the global ValidationPipe passes the body on to AckBatchPipe. */
  @Post()
  @HttpCode(204)
  @ApiBody({ type: AckBatchDto })
  @ApiNoContentResponse({ description: 'Acks recorded; unknown or stale delivery ids are ignored' })
  async ack(@Body(AckBatchPipe) body: AckBatch): Promise<void> {
    await this.dispatcher.ack(body.acks);
  }
}
