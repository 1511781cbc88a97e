import { CoreModule } from '@app/common';
import { storeTaskScript } from '@app/redis';
import { Module } from '@nestjs/common';
import { ConsumerEnvironment } from './config/environment';
import { ConsumerPoolModule } from './consumer-pool/consumer-pool.module';
import { RegistrationModule } from './registration/registration.module';
import { markRunningScript } from './task-store/mark-running.lua';
import { recordProgressScript } from './task-store/record-progress.lua';

@Module({
  imports: [CoreModule.forRoot({ environment: ConsumerEnvironment, scripts: [storeTaskScript, recordProgressScript, markRunningScript] }), ConsumerPoolModule, RegistrationModule],
})
export class AppModule {}
