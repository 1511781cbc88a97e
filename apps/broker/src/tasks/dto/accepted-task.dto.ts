import { TASK_STATUSES, TaskStatus } from '@app/common';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The answer of POST /tasks for a new task: it is in Redis. */
@ApiSchema({ name: 'AcceptedTask' })
export class AcceptedTaskDto {
  @ApiProperty({ example: 'example-hello' })
  id: string;

  @ApiProperty({ example: 'default', description: 'The queue its binding key routed it to' })
  queue: string;

  @ApiProperty({ enum: TASK_STATUSES, example: TaskStatus.Queued })
  status: TaskStatus;
}
