import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { BrokerEnvironment } from './config/environment';

@Module({
  imports: [CoreModule.forRoot({ environment: BrokerEnvironment })],
})
export class AppModule {}
