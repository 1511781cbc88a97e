import { keepAliveAxiosConfig } from '@app/common';
import { HttpModule, HttpModuleOptions } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProducerEnvironment } from '../config/environment';
import { RegistrationService } from './registration.service';

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [ConfigService],
      // Axios types defaults' headers more loosely than a request's; the helper sets none.
      useFactory: (config: ConfigService<ProducerEnvironment, true>) =>
        keepAliveAxiosConfig(config.get('BROKER_TIMEOUT_MS', { infer: true }), 1) as HttpModuleOptions,
    }),
  ],
  providers: [RegistrationService],
})
export class RegistrationModule {}
