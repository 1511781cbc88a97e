import { Module } from '@nestjs/common';
import { EchoHandler } from './echo.handler';
import { FailHandler } from './fail.handler';
import { SleepHandler } from './sleep.handler';

/** The stock consumer's example handlers (see the README's "Writing a handler"). */
@Module({ providers: [EchoHandler, SleepHandler, FailHandler] })
export class ExamplesModule {}
