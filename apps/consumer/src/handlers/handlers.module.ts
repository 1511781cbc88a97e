import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EchoHandler } from './examples/echo.handler';
import { FailHandler } from './examples/fail.handler';
import { SleepHandler } from './examples/sleep.handler';
import { HandlerRegistry } from './handler-registry.service';

/**
 * HandlerRegistry and the stock consumer's example handlers. A handler of your own is any
 * provider marked @TaskHandler, in this module or any other the app imports.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [HandlerRegistry, EchoHandler, SleepHandler, FailHandler],
  exports: [HandlerRegistry],
})
export class HandlersModule {}
