import { keepAliveAxiosConfig } from '@app/common';
import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BrokerEnvironment } from '../config/environment';
import { ConsumersModule } from '../consumers/consumers.module';
import { QueueRegistryModule } from '../queue-registry/queue-registry.module';
import { AcksController } from './acks.controller';
import { DeliveryOutcomes } from './delivery-outcomes.service';
import { DeliverySender } from './delivery-sender';
import { DeliveryStore } from './delivery-store';
import { DispatcherService } from './dispatcher.service';
import { QueueWakers } from './queue-wakers';
import { Reaper } from './reaper.service';
import { WakeListener } from './wake-listener.service';

@Module({
  imports: [
    QueueRegistryModule,
    ConsumersModule,
    HttpModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<BrokerEnvironment, true>) =>
        keepAliveAxiosConfig(config.get('DELIVERY_TIMEOUT_MS')),
    }),
  ],
  controllers: [AcksController],
  providers: [QueueWakers, DeliveryStore, DeliverySender, DeliveryOutcomes, DispatcherService, Reaper, WakeListener],
  exports: [QueueWakers],
})
export class DispatcherModule {}
