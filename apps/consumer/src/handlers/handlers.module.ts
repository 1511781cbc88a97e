import { Module } from '@nestjs/common';
import { EchoHandler } from './echo.handler';
import { HandlerRegistry } from './handler-registry.service';
import { TASK_HANDLERS } from './task-handler';

/** The app's task handlers: add one to the list to give a task_type its own processing. */
@Module({
  providers: [{ provide: TASK_HANDLERS, useFactory: () => [new EchoHandler()] }, HandlerRegistry],
  exports: [HandlerRegistry],
})
export class HandlersModule {}
