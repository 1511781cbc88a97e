import { Module } from '@nestjs/common';
import { LeaseService } from './lease.service';
import { LeasesController } from './leases.controller';

@Module({
  controllers: [LeasesController],
  providers: [LeaseService],
  exports: [LeaseService],
})
export class LeasesModule {}
