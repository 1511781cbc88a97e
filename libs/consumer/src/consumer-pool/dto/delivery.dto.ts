import { QUEUE_NAME_PATTERN } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class DeliveryDto {
  @ApiProperty({ example: 'email~1~3f1c7a52-1111-4c7e-9a4f-2b9d0f1e2a3b~5d41402abc4b2a76b9719d91' })
  @IsDefined()
  @IsString()
  @MaxLength(256)
  delivery_id: string;

  @ApiProperty({ example: 'email' })
  @IsDefined()
  @IsString()
  @Matches(QUEUE_NAME_PATTERN)
  queue: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The task, as GET /tasks/:id shows it; its id and task_type are checked',
  })
  @IsDefined()
  @IsObject()
  task: Record<string, unknown>;

  @ApiProperty({
    required: false,
    example: true,
    description:
      'true: run the handler now; false: the task is not due, store it as scheduled to await its run. ' +
      'Absent: due when a once task has reached its scheduled_time',
  })
  @IsOptional()
  @IsBoolean()
  due?: boolean;

  @ApiProperty({
    type: 'integer',
    required: false,
    example: 30_000,
    description:
      'How long the delivery is leased (ms): ' +
      'POST /leases on the broker well within it while the task is held, or it goes out again',
  })
  @IsOptional()
  @IsInt()
  @Min(1000)
  lease_ms?: number;
}

export class DeliveryBatchDto {
  @ApiProperty({ type: [DeliveryDto] })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => DeliveryDto)
  deliveries: DeliveryDto[];
}

/** The answer of POST /deliveries. */
export class AcceptedDeliveriesDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Deliveries buffered' })
  accepted: number;
}
