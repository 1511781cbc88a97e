import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { DispatcherModule } from '../dispatcher/dispatcher.module';
import { ExchangeModule } from '../exchange/exchange.module';
import { QueueRegistryModule } from '../queue-registry/queue-registry.module';
import { RequestProcessor } from './request-processor.service';
import { TaskSizeMiddleware } from './task-size.middleware';
import { TasksController } from './tasks.controller';

@Module({
  imports: [ExchangeModule, QueueRegistryModule, DispatcherModule],
  controllers: [TasksController],
  providers: [RequestProcessor],
})
export class TasksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(TaskSizeMiddleware).forRoutes({ path: 'tasks', method: RequestMethod.POST });
  }
}
