import { RequireScope, Scope } from '@app/common';
import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CleanupService } from './cleanup.service';
import { CleanupPassDto } from './dto/cleanup-pass.dto';

@ApiTags('cleanup')
@Controller('cleanup')
export class CleanupController {
  constructor(private readonly cleanup: CleanupService) {}

  @RequireScope(Scope.Admin)
  @Post('run')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run one cleanup pass now (or join the one running) and say what it did' })
  @ApiOkResponse({ type: CleanupPassDto })
  run(): Promise<CleanupPassDto> {
    return this.cleanup.runPass();
  }
}
