import { Module } from '@nestjs/common';
import { ConsumersModule } from '../consumers/consumers.module';
import { LeaseService } from './lease.service';
import { LeasesController } from './leases.controller';

@Module({
  imports: [ConsumersModule],
  controllers: [LeasesController],
  providers: [LeaseService],
  exports: [LeaseService],
})
export class LeasesModule {}
