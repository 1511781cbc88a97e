import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt, IsUrl, Max, Min } from 'class-validator';

export class RegisterConsumerDto {
  @ApiProperty({ example: 'http://127.0.0.1:9090', description: 'Where the broker pushes deliveries' })
  @IsDefined()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  url: string;

  @ApiProperty({ minimum: 1, maximum: 1_000_000, example: 4000, description: 'Tasks it can buffer' })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  capacity: number;
}
