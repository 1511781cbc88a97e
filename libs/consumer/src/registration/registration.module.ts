import { Module } from '@nestjs/common';
import { BrokerLinkModule } from '../broker-link/broker-link.module';
import { ConsumerPoolModule } from '../consumer-pool/consumer-pool.module';
import { HandlersModule } from '../handlers/handlers.module';
import { RegistrationService } from './registration.service';

@Module({
  imports: [BrokerLinkModule, ConsumerPoolModule, HandlersModule],
  providers: [RegistrationService],
  exports: [RegistrationService],
})
export class RegistrationModule {}
