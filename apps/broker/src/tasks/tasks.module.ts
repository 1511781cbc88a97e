import { Module } from '@nestjs/common';
import { DispatcherModule } from '../dispatcher/dispatcher.module';
import { ExchangeModule } from '../exchange/exchange.module';
import { QueueRegistryModule } from '../queue-registry/queue-registry.module';
import { RequestProcessor } from './request-processor.service';
import { TasksController } from './tasks.controller';

/** A single task's size (MAX_TASK_BYTES) is the body parser's limit for POST /tasks (see jsonBodyParsers). */
@Module({
  imports: [ExchangeModule, QueueRegistryModule, DispatcherModule],
  controllers: [TasksController],
  providers: [RequestProcessor],
})
export class TasksModule {}
