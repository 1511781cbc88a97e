import { QUEUE_NAME_PATTERN, TASK_TYPE_PATTERN } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsInt, IsString, Matches, Max, Min } from 'class-validator';

export class DeclareQueueDto {
  @ApiProperty({ pattern: QUEUE_NAME_PATTERN.source, example: 'example-reports' })
  @IsDefined()
  @IsString()
  @Matches(QUEUE_NAME_PATTERN, { message: 'name must match [a-z0-9_.-]{1,64}' })
  name: string;

  @ApiProperty({ type: [String], example: ['example.report'] })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(TASK_TYPE_PATTERN, { each: true, message: 'each binding_keys item must match [a-z0-9_.-]{1,64}' })
  binding_keys: string[];

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 10_000_000,
    example: 1000,
    description: 'Most tasks the queue holds (waiting, in flight, retrying)',
  })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  capacity: number;
}
