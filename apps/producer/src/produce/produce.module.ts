import { keepAliveAxiosConfig } from '@app/common';
import { HttpModule, HttpModuleOptions } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProducerEnvironment } from '../config/environment';
import { MAX_CONCURRENCY, PRODUCER_SETTINGS, producerSettings } from './produce.constants';
import { ProduceController } from './produce.controller';
import { ProducerService } from './producer.service';

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [ConfigService],
      // As many sockets as the largest run may have requests in flight. The cast: axios types
      // defaults' headers more loosely than a request's, and the helper sets none.
      useFactory: (config: ConfigService<ProducerEnvironment, true>) =>
        keepAliveAxiosConfig(config.get('BROKER_TIMEOUT_MS', { infer: true }), MAX_CONCURRENCY) as HttpModuleOptions,
    }),
  ],
  controllers: [ProduceController],
  providers: [
    ProducerService,
    {
      provide: PRODUCER_SETTINGS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ProducerEnvironment, true>) => producerSettings((key) => config.get(key, { infer: true })),
    },
  ],
})
export class ProduceModule {}
