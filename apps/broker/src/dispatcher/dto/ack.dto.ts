import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ACK_OUTCOMES } from '../ack-batch.pipe';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class AckDto {
  @ApiProperty({ example: 'email~1~3f1c7a52-1111-4c7e-9a4f-2b9d0f1e2a3b~5d41402abc4b2a76b9719d91' })
  @IsDefined()
  @IsString()
  @MaxLength(256)
  delivery_id: string;

  @ApiProperty({ description: 'true: the task is stored; false: handling failed and it should be retried' })
  @IsDefined()
  @IsBoolean()
  ok: boolean;

  @ApiPropertyOptional({
    enum: ACK_OUTCOMES,
    description:
      "How a failed run ended (default failed), as the task's runs show it; " +
      'lost: the consumer shut down mid-run, so the attempt is not counted',
  })
  @IsOptional()
  @IsIn(ACK_OUTCOMES)
  outcome?: (typeof ACK_OUTCOMES)[number];

  @ApiPropertyOptional({
    description:
      "For a consumer that stores nothing itself: the handler's result (any JSON, at most 64 KiB), " +
      'null when it returned nothing. Present means the handler ran; the broker then stores the task with it. ' +
      'Only on an ok ack.',
    example: { sent: true },
  })
  @IsOptional()
  result?: unknown;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  error?: string;
}

export class AckBatchDto {
  @ApiProperty({ type: [AckDto] })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => AckDto)
  acks: AckDto[];
}
