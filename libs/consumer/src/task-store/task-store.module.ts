import { Module } from '@nestjs/common';
import { TaskStore } from './task-store.service';

@Module({ providers: [TaskStore], exports: [TaskStore] })
export class TaskStoreModule {}
