import { RequireScope, Scope } from '@app/common';
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
  @ApiOperation({ summary: 'Run one scheduler pass now (or join the one running) and say what it did' })
  @ApiOkResponse({ type: SchedulerPassDto })
  run(): Promise<SchedulerPassDto> {
    return this.scheduler.runPass();
  }
}
