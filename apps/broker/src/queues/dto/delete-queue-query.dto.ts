import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class DeleteQueueQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: delete a queue that holds tasks too, cancelling them',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'force must be true or false' })
  force?: 'true' | 'false';
}
