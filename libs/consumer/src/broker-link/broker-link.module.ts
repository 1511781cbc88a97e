import { keepAliveAxiosConfig } from '@app/common';
import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { AckBatcher } from './ack-batcher.service';
import { BrokerClient } from './broker-client.service';

/** Everything the consumer says to the broker: registration, heartbeats, acks. */
@Module({
  imports: [HttpModule.register(keepAliveAxiosConfig(5_000, 16))],
  providers: [BrokerClient, AckBatcher],
  exports: [BrokerClient, AckBatcher],
})
export class BrokerLinkModule {}
