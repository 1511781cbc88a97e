import { Module } from '@nestjs/common';
import { ConsumersModule } from '../consumers/consumers.module';
import { DispatcherModule } from '../dispatcher/dispatcher.module';
import { QueueRegistryModule } from '../queue-registry/queue-registry.module';
import { QueuesController } from './queues.controller';

/** The HTTP surface of the queues: declare, inspect, dead letters. */
@Module({ imports: [QueueRegistryModule, ConsumersModule, DispatcherModule], controllers: [QueuesController] })
export class QueuesModule {}
