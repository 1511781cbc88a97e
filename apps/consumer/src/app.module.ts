import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { ConsumerEnvironment } from './config/environment';

@Module({
  imports: [CoreModule.forRoot({ environment: ConsumerEnvironment })],
})
export class AppModule {}
