import { keepAliveAxiosConfig } from '@app/common';
import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ProducerEnvironment } from '../config/environment';
import { MAX_CONCURRENCY, PRODUCER_SETTINGS, producerSettings } from './produce.constants';
import { ProduceController } from './produce.controller';
import { ProducerMetrics } from './producer-metrics';
import { ProducerService } from './producer.service';

@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [ConfigService],
      // As many sockets as the largest run may have requests in flight.
      useFactory: (config: ConfigService<ProducerEnvironment, true>) =>
        keepAliveAxiosConfig(
          config.get('BROKER_TIMEOUT_MS', { infer: true }),
          MAX_CONCURRENCY,
          config.get('BROKER_API_KEY', { infer: true }),
        ),
    }),
  ],
  controllers: [ProduceController],
  providers: [
    ProducerService,
    ProducerMetrics,
    {
      provide: PRODUCER_SETTINGS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<ProducerEnvironment, true>) =>
        producerSettings((key) => config.get(key, { infer: true })),
    },
  ],
})
export class ProduceModule {}
