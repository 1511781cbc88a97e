import { keepAliveAxiosConfig } from '@app/common';
import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProducerEnvironment } from '../config/environment';
import { RegistrationService } from './registration.service';

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<ProducerEnvironment, true>) =>
        keepAliveAxiosConfig(
          config.get('BROKER_TIMEOUT_MS', { infer: true }),
          1,
          config.get('BROKER_API_KEY', { infer: true }),
        ),
    }),
  ],
  providers: [RegistrationService],
})
export class RegistrationModule {}
