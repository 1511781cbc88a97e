import { ApiUnavailableResponse, RequireScope, Scope } from '@app/common';
import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SchedulerPassDto } from './dto/scheduler-pass.dto';
import { SchedulerService } from './scheduler.service';

@ApiTags('scheduler')
@Controller('scheduler')
export class SchedulerController {
  constructor(private readonly scheduler: SchedulerService) {}

  @RequireScope(Scope.Admin)
  @Post('run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a scheduler pass',
    description:
      'Triggers the due scheduled and periodic tasks now, ' +
      'as the timer does (or joins the pass running), and says what it did.',
  })
  @ApiOkResponse({ type: SchedulerPassDto })
  @ApiUnavailableResponse()
  run(): Promise<SchedulerPassDto> {
    return this.scheduler.runPass();
  }
}
