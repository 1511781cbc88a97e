import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CleanupModule } from './cleanup/cleanup.module';
import { deleteExpiredTasksScript } from './cleanup/delete-expired-tasks.lua';
import { pruneIndexScript } from './cleanup/prune-index.lua';
import { TaskDispatcherEnvironment } from './config/environment';
import { SchedulerModule } from './scheduler/scheduler.module';
import { triggerDueTasksScript } from './scheduler/trigger-due-tasks.lua';
import { TasksModule } from './tasks/tasks.module';

@Module({
  imports: [
    CoreModule.forRoot({
      environment: TaskDispatcherEnvironment,
      scripts: [triggerDueTasksScript, deleteExpiredTasksScript, pruneIndexScript],
    }),
    ScheduleModule.forRoot(),
    SchedulerModule,
    CleanupModule,
    TasksModule,
  ],
})
export class AppModule {}
