import { ApiErrorResponse, RequireScope, Scope } from '@app/common';
import { Body, ConflictException, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
    summary: 'Produce tasks',
    description:
      'Creates count tasks from the template and submits them to the broker (in batches when batch is over 1), ' +
      'retrying the ones it answers 503 or 429; answers when all are done, with what became of them. A refused ' +
      'task is counted in the summary, not answered as an error.',
  })
  @ApiBody({
    type: ProduceDto,
    examples: {
      small: {
        summary: 'Ten echo tasks for the default queue',
        value: {
          count: 10,
          task_name: 'say hello',
          task_type: 'echo',
          binding_key: 'default',
          payload: { message: 'hello' },
        },
      },
    },
  })
  @ApiOkResponse({ type: ProduceSummaryDto })
  @ApiErrorResponse(400, 'A bad option, each one named')
  @ApiErrorResponse(409, 'A run is in progress on this producer')
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
