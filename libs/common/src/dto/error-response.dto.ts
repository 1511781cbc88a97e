import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The one shape of every refusal and failure the apps answer with. */
@ApiSchema({ name: 'ErrorResponse' })
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400, description: 'The HTTP status again' })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: "The status's reason phrase" })
  error: string;

  @ApiProperty({
    type: [String],
    example: ['task_name must be longer than or equal to 1 characters'],
    description: 'What was wrong, one sentence a problem (a bad field, a bulk item named by its index)',
  })
  message: string[];
}
