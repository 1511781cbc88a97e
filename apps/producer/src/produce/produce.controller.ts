import { RequireScope, Scope } from '@app/common';
import { Body, ConflictException, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ProduceDto } from './dto/produce.dto';
import { ProduceSummaryDto } from './dto/produce-summary.dto';
import { ProducerService } from './producer.service';

@ApiTags('produce')
@Controller('produce')
export class ProduceController {
  /** One run at a time per producer: a second request while one runs would multiply the load. */
  private running = false;

  constructor(private readonly producer: ProducerService) {}

  @RequireScope(Scope.Admin)
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create count tasks from the template and submit them to the broker; answers when all are done',
  })
  @ApiOkResponse({ type: ProduceSummaryDto })
  @ApiBadRequestResponse({ description: 'A bad option, named in message' })
  @ApiConflictResponse({ description: 'A run is in progress on this producer' })
  async produce(@Body() dto: ProduceDto, @Res({ passthrough: true }) res: Response): Promise<ProduceSummaryDto> {
    if (this.running) throw new ConflictException('a run is in progress on this producer; wait for its summary');
    this.running = true;
    // A caller that hangs up stops the run: nobody would read its summary.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      return await this.producer.produce(dto, undefined, gone.signal);
    } finally {
      this.running = false;
    }
  }
}
