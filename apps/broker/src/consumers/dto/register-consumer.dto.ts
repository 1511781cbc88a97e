import { OFFERED_TYPE_PATTERN } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsInt,
  IsOptional,
  IsUrl,
  Matches,
  Max,
  Min,
} from 'class-validator';

export const MAX_OFFERED_TYPES = 256;

export class RegisterConsumerDto {
  @ApiProperty({ example: 'http://127.0.0.1:9090', description: 'Where the broker pushes deliveries' })
  @IsDefined()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  url: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1_000_000, example: 4000, description: 'Tasks it can buffer' })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  capacity: number;

  @ApiPropertyOptional({
    type: [String],
    example: ['echo', 'sleep', 'fail', '*'],
    description:
      'Task types it has a handler for; ' +
      '`*` also stores tasks of types no live consumer has a handler for. Default ["*"]',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_OFFERED_TYPES)
  @ArrayUnique()
  @Matches(OFFERED_TYPE_PATTERN, { each: true })
  types?: string[];
}
