import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import {
  MAX_PRIORITY,
  MAX_RUNS,
  RUN_OUTCOMES,
  RunOutcome,
  Task,
  TASK_STATUSES,
  TaskRun,
  TaskStatus,
} from '../task/task.model';

/** One attempt of a task, as `runs` lists it. */
@ApiSchema({ name: 'TaskRun' })
export class TaskRunDto implements TaskRun {
  @ApiProperty({ type: 'integer', minimum: 0, example: 1, description: 'Which delivery of the occurrence this was' })
  attempt: number;

  @ApiProperty({ type: String, nullable: true, description: 'The consumer that ran it, as GET /consumers names it' })
  consumer: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When its handler started' })
  started_time: string | null;

  @ApiProperty({ format: 'date-time' })
  finished_time: string;

  @ApiProperty({ enum: RUN_OUTCOMES, description: 'lost: its consumer vanished or shut down mid-run' })
  outcome: RunOutcome;

  @ApiProperty({ type: String, nullable: true, description: 'Why it failed' })
  error: string | null;
}

/** A task as the broker's GET /tasks/:id and the task-dispatcher's GET /tasks show it. */
@ApiSchema({ name: 'Task' })
export class TaskDto implements Task {
  @ApiProperty({ example: 'example-hello' })
  id: string;

  @ApiProperty({ example: 'say hello' })
  task_name: string;

  @ApiProperty({ example: 'echo', description: 'Picks the handler in the consumer' })
  task_type: string;

  @ApiProperty({ example: 'default', description: 'What the exchange routed it on' })
  binding_key: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_PRIORITY })
  priority: number;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { message: 'hello' } })
  payload: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', description: 'Its current occurrence' })
  scheduled_time: string;

  @ApiProperty({ example: 'once' })
  periodicity: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  max_retries: number;

  @ApiProperty({ enum: TASK_STATUSES })
  status: TaskStatus;

  @ApiProperty({ format: 'date-time' })
  task_update_time: string;

  @ApiProperty({ format: 'date-time' })
  created_time: string;

  @ApiPropertyOptional({ example: 'default', description: 'The queue it was routed to' })
  queue?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Deliveries of this occurrence so far' })
  attempts?: number;

  @ApiPropertyOptional({ description: 'The latest failure; cleared once it completes' })
  last_error?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Occurrences run' })
  run_count?: number;

  @ApiPropertyOptional({ format: 'date-time' })
  last_run_time?: string;

  // No type and so no nullable: any JSON, null included.
  @ApiPropertyOptional({
    description: "What the handler's latest successful run returned: any JSON, null when it returned nothing",
  })
  result?: unknown;

  @ApiPropertyOptional({ description: 'What the running handler last reported with ctx.progress: any JSON' })
  progress?: unknown;

  @ApiPropertyOptional({
    type: [TaskRunDto],
    maxItems: MAX_RUNS,
    description: `Its latest attempts (at most ${MAX_RUNS}), oldest first`,
  })
  runs?: TaskRunDto[];
}
