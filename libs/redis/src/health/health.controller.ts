// The file itself, not the @app/common barrel: libs/common imports this library, and the barrel would make a cycle.
import { ApiUnavailableResponse } from '@app/common/app/api-responses';
import { PublicRoute } from '@app/common/auth/require-scope.decorator';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @PublicRoute()
  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Health check',
    description:
      'Whether this app can reach its Redis: 200 when Redis answers a PING within 500 ms, else 503 with Retry-After. ' +
      'Takes no key.',
  })
  @ApiOkResponse({ description: 'Redis answers' })
  @ApiUnavailableResponse()
  check() {
    return this.health.check([() => this.redis.isHealthy()]);
  }
}
