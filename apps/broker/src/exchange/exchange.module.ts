import { Module } from '@nestjs/common';
import { QueueRegistryModule } from '../queue-registry/queue-registry.module';
import { DirectStrategy } from './direct.strategy';
import { ExchangeService } from './exchange.service';
import { ROUTING_STRATEGY } from './routing-strategy';

@Module({
  imports: [QueueRegistryModule],
  providers: [ExchangeService, { provide: ROUTING_STRATEGY, useClass: DirectStrategy }],
  exports: [ExchangeService],
})
export class ExchangeModule {}
