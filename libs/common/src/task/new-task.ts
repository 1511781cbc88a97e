import { randomUUID } from 'node:crypto';
import { CreateTaskDto } from '../dto/create-task.dto';
import { nextOccurrence } from '../periodicity/periodicity';
import { isoTime } from './task-hash';
import { Task, TaskStatus } from './task.model';

/**
 * The task a validated request describes, with every default filled in, at time `now`. A periodic
 * task given no scheduled_time first runs at its first occurrence after now (hourly: in an hour).
 */
export function newTask(dto: CreateTaskDto, now: number): Task {
  const nowIso = isoTime(now);
  const periodicity = dto.periodicity ?? 'once';
  const firstRun = dto.scheduled_time
    ? new Date(dto.scheduled_time)
    : (nextOccurrence(periodicity, new Date(now), new Date(now)) ?? new Date(now));
  return {
    id: dto.id ?? randomUUID(),
    task_name: dto.task_name,
    task_type: dto.task_type,
    binding_key: dto.binding_key ?? dto.task_type,
    priority: dto.priority ?? 0,
    payload: dto.payload ?? {},
    scheduled_time: firstRun.toISOString(),
    periodicity,
    max_retries: dto.max_retries ?? 5,
    status: TaskStatus.Queued,
    task_update_time: nowIso,
    created_time: nowIso,
  };
}
