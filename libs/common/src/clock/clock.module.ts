import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** Binds `Clock` to the system clock; tests override the provider with a ManualClock. */
@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
export class ClockModule {}
