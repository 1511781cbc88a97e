import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The answer of POST /tasks/bulk: every task is in Redis. */
@ApiSchema({ name: 'AcceptedTasks' })
export class AcceptedTasksDto {
  @ApiProperty({
    type: [String],
    description: 'Their ids, in the order sent',
    example: ['3f1c7a52-1111-4c7e-9a4f-2b9d0f1e2a3b'],
  })
  ids: string[];
}
