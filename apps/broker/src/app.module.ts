import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { BrokerEnvironment } from './config/environment';
import { ConsumersModule } from './consumers/consumers.module';
import { DispatcherModule } from './dispatcher/dispatcher.module';
import { LeasesModule } from './leases/leases.module';
import { ProducersModule } from './producers/producers.module';
import { BROKER_SCRIPTS } from './scripts';
import { QueuesModule } from './queues/queues.module';
import { TasksModule } from './tasks/tasks.module';

@Module({
  imports: [
    CoreModule.forRoot({ environment: BrokerEnvironment, scripts: BROKER_SCRIPTS }),
    TasksModule,
    QueuesModule,
    ConsumersModule,
    DispatcherModule,
    LeasesModule,
    ProducersModule,
  ],
})
export class AppModule {}
