import { Module } from '@nestjs/common';
import { ProducersController } from './producers.controller';

@Module({ controllers: [ProducersController] })
export class ProducersModule {}
