import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HandlerRegistry } from './handler-registry.service';

/** HandlerRegistry, which finds every provider marked @TaskHandler in any module the app imports. */
@Module({
  imports: [DiscoveryModule],
  providers: [HandlerRegistry],
  exports: [HandlerRegistry],
})
export class HandlersModule {}
