import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { BrokerEnvironment } from './config/environment';
import { ConsumersModule } from './consumers/consumers.module';
import { DispatcherModule } from './dispatcher/dispatcher.module';
import { ProducersModule } from './producers/producers.module';
import { QUEUE_SCRIPTS } from './queue-registry/queue-scripts.lua';
import { QueuesModule } from './queues/queues.module';
import { TasksModule } from './tasks/tasks.module';

@Module({
  imports: [
    CoreModule.forRoot({ environment: BrokerEnvironment, scripts: QUEUE_SCRIPTS }),
    TasksModule,
    QueuesModule,
    ConsumersModule,
    DispatcherModule,
    ProducersModule,
  ],
})
export class AppModule {}
