import { RequireScope, Scope } from '@app/common';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProduceDto } from './dto/produce.dto';
import { ProduceSummaryDto } from './dto/produce-summary.dto';
import { ProducerService } from './producer.service';

@ApiTags('produce')
@Controller('produce')
export class ProduceController {
  constructor(private readonly producer: ProducerService) {}

  @RequireScope(Scope.Admin)
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Create count tasks from the template and submit them to the broker; answers when all are done' })
  @ApiOkResponse({ type: ProduceSummaryDto })
  @ApiBadRequestResponse({ description: 'A bad option, named in message' })
  produce(@Body() dto: ProduceDto): Promise<ProduceSummaryDto> {
    return this.producer.produce(dto);
  }
}
