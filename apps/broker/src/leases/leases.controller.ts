import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { LeaseBatchDto, LeaseReplyDto } from './dto/lease.dto';
import { LeaseBatch, LeaseBatchPipe } from './lease-batch.pipe';
import { LeaseReply, LeaseService } from './lease.service';

@ApiTags('leases')
@Controller('leases')
export class LeasesController {
  constructor(private readonly leases: LeaseService) {}

  /** LeaseBatch is an interface, so the global ValidationPipe passes the body on to LeaseBatchPipe. */
  @Post()
  @HttpCode(200)
  @ApiBody({ type: LeaseBatchDto })
  @ApiOkResponse({ type: LeaseReplyDto, description: 'Leases of live deliveries extended; unknown or stale ids are ignored' })
  extend(@Body(LeaseBatchPipe) body: LeaseBatch): Promise<LeaseReply> {
    return this.leases.extend(body.leases);
  }
}
