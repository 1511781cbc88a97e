import { RawBodyCheck } from '@app/common';
import { Module } from '@nestjs/common';
import { DeliverySignatureCheck } from './delivery-signature.check';
import { BrokerLinkModule } from '../broker-link/broker-link.module';
import { HandlersModule } from '../handlers/handlers.module';
import { TaskStoreModule } from '../task-store/task-store.module';
import { ConsumerPool } from './consumer-pool.service';
import { DeliveriesController } from './deliveries.controller';
import { LeaseKeeper } from './lease-keeper.service';

@Module({
  imports: [HandlersModule, TaskStoreModule, BrokerLinkModule],
  controllers: [DeliveriesController],
  providers: [
    ConsumerPool,
    LeaseKeeper,
    DeliverySignatureCheck,
    { provide: RawBodyCheck, useExisting: DeliverySignatureCheck },
  ],
  exports: [ConsumerPool],
})
export class ConsumerPoolModule {}
