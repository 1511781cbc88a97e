import { keepAliveAxiosConfig } from '@app/common';
import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ConsumerEnvironment } from '../config/environment';
import { AckBatcher } from './ack-batcher.service';
import { BrokerClient } from './broker-client.service';

/** Everything the consumer says to the broker: registration, heartbeats, acks. */
@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<ConsumerEnvironment, true>) =>
        keepAliveAxiosConfig(5_000, 16, config.get('BROKER_API_KEY', { infer: true })),
    }),
  ],
  providers: [BrokerClient, AckBatcher],
  exports: [BrokerClient, AckBatcher],
})
export class BrokerLinkModule {}
