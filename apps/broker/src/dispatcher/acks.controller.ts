import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { DispatcherService } from './dispatcher.service';
import { AckBatchDto } from './dto/ack.dto';

@ApiTags('acks')
@Controller('acks')
export class AcksController {
  constructor(private readonly dispatcher: DispatcherService) {}

  @Post()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Acks recorded; unknown or stale delivery ids are ignored' })
  async ack(@Body() body: AckBatchDto): Promise<void> {
    await this.dispatcher.ack(body.acks);
  }
}
