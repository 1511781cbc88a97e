import { ApiUnavailableResponse, RequireScope, Scope } from '@app/common';
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
  @ApiOperation({
    summary: 'Run a cleanup pass',
    description:
      'Deletes completed tasks past their retention period and prunes index entries of expired tasks now, as the ' +
      'timer does (or joins the pass running), and says what it did.',
  })
  @ApiOkResponse({ type: CleanupPassDto })
  @ApiUnavailableResponse()
  run(): Promise<CleanupPassDto> {
    return this.cleanup.runPass();
  }
}
