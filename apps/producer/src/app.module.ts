import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { ProducerEnvironment } from './config/environment';

@Module({
  imports: [CoreModule.forRoot({ environment: ProducerEnvironment })],
})
export class AppModule {}
