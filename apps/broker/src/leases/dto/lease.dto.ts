import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsString, MaxLength, ValidateNested } from 'class-validator';

export class LeaseDto {
  @ApiProperty({
    example: 'email~1~3f1c7a52-1111-4c7e-9a4f-2b9d0f1e2a3b~5d41402abc4b2a76b9719d91',
    description: 'A delivery this consumer still holds (buffered or running)',
  })
  @IsDefined()
  @IsString()
  @MaxLength(256)
  delivery_id: string;
}

export class LeaseBatchDto {
  @ApiProperty({ type: [LeaseDto] })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => LeaseDto)
  leases: LeaseDto[];
}

export class LeaseReplyDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Leases extended by lease_ms from now' })
  extended: number;

  @ApiProperty({
    type: [String],
    description: 'Delivery ids whose task was cancelled: stop running them, and do not ack them',
  })
  cancelled: string[];

  @ApiProperty({
    type: [String],
    description:
      'Delivery ids whose task went out again meanwhile (failed back or sent elsewhere): ' +
      'stop them, and do not ack them',
  })
  stale: string[];

  @ApiProperty({
    type: 'integer',
    description: 'How long each extended lease now runs (ms): extend again well before it ends',
  })
  lease_ms: number;
}
