import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, IsUrl, Matches } from 'class-validator';

export class RegisterProducerDto {
  @ApiProperty({ example: 'producer-8080' })
  @IsDefined()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'name must be 1..64 characters of A-Z a-z 0-9 _ . : -' })
  name: string;

  @ApiPropertyOptional({ example: 'http://127.0.0.1:8080' })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  url?: string;
}
