import { ApiErrorResponse, ApiUnavailableResponse, RequireScope, Scope } from '@app/common';
import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LeaseBatchDto, LeaseReplyDto } from './dto/lease.dto';
import { LeaseBatch, LeaseBatchPipe } from './lease-batch.pipe';
import { LeaseReply, LeaseService } from './lease.service';
import { ConsumerAuthGuard } from '../consumers/consumer-auth.guard';
import { CONSUMER_ID_HEADER, CONSUMER_SECRET_HEADER } from '../consumers/consumer-registry.service';

@ApiTags('leases')
@Controller('leases')
@UseGuards(ConsumerAuthGuard)
@ApiHeader({ name: CONSUMER_ID_HEADER, description: 'The consumer id registration returned', required: true })
@ApiHeader({ name: CONSUMER_SECRET_HEADER, description: 'The secret registration returned', required: true })
export class LeasesController {
  constructor(private readonly leases: LeaseService) {}

  /** LeaseBatch is an interface, so the global ValidationPipe passes the body on to LeaseBatchPipe. */
  @RequireScope(Scope.Consumer)
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Extend leases',
    description:
      'A consumer extends the leases of deliveries it still holds, so they are not delivered again while they run. ' +
      'The answer names the deliveries to stop: cancelled tasks, and tasks that went out again meanwhile.',
  })
  @ApiBody({ type: LeaseBatchDto })
  @ApiErrorResponse(401, 'No API key or an unknown one, or not a registered consumer, or the wrong secret')
  @ApiUnavailableResponse()
  @ApiOkResponse({
    type: LeaseReplyDto,
    description: 'Leases of live deliveries extended; unknown or stale ids are ignored',
  })
  extend(@Body(LeaseBatchPipe) body: LeaseBatch): Promise<LeaseReply> {
    return this.leases.extend(body.leases);
  }
}
