import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { BrokerEnvironment } from './config/environment';
import { ConsumersModule } from './consumers/consumers.module';
import { DispatcherModule } from './dispatcher/dispatcher.module';
import { extendLeasesScript } from './leases/extend-leases.lua';
import { LeasesModule } from './leases/leases.module';
import { ProducersModule } from './producers/producers.module';
import { QUEUE_SCRIPTS } from './queue-registry/queue-scripts.lua';
import { QueuesModule } from './queues/queues.module';
import { cancelTaskScript } from './tasks/cancel-task.lua';
import { TasksModule } from './tasks/tasks.module';

@Module({
  imports: [
    CoreModule.forRoot({ environment: BrokerEnvironment, scripts: [...QUEUE_SCRIPTS, extendLeasesScript, cancelTaskScript] }),
    TasksModule,
    QueuesModule,
    ConsumersModule,
    DispatcherModule,
    LeasesModule,
    ProducersModule,
  ],
})
export class AppModule {}
