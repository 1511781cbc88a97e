import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { ProducerEnvironment } from './config/environment';
import { ProduceModule } from './produce/produce.module';
import { RegistrationModule } from './registration/registration.module';

@Module({
  imports: [CoreModule.forRoot({ environment: ProducerEnvironment }), ProduceModule, RegistrationModule],
})
export class AppModule {}
