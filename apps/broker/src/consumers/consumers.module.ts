import { Module } from '@nestjs/common';
import { QueueRegistryModule } from '../queue-registry/queue-registry.module';
import { ConsumerRegistry } from './consumer-registry.service';
import { ConsumersController } from './consumers.controller';

@Module({
  imports: [QueueRegistryModule],
  controllers: [ConsumersController],
  providers: [ConsumerRegistry],
  exports: [ConsumerRegistry],
})
export class ConsumersModule {}
