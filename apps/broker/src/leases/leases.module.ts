import { Module } from '@nestjs/common';
import { ConsumersModule } from '../consumers/consumers.module';
import { QueueRegistryModule } from '../queue-registry/queue-registry.module';
import { LeaseService } from './lease.service';
import { LeasesController } from './leases.controller';

@Module({
  imports: [ConsumersModule, QueueRegistryModule],
  controllers: [LeasesController],
  providers: [LeaseService],
  exports: [LeaseService],
})
export class LeasesModule {}
