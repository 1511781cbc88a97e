import { PageDto } from '@app/common';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The answer of POST /producers. */
@ApiSchema({ name: 'RegisteredProducer' })
export class RegisteredProducerDto {
  @ApiProperty({ example: 'producer-8080', description: '`<key name>/<name>`, or the name alone under AUTH=off' })
  id: string;
}

/** A producer registered within the last 5 minutes, as GET /producers lists it. */
@ApiSchema({ name: 'Producer' })
export class ProducerDto extends RegisteredProducerDto {
  @ApiProperty({ example: 'producer-8080' })
  name: string;

  @ApiProperty({ example: '', description: "The name of the key it registered with ('' under AUTH=off)" })
  key: string;

  @ApiProperty({ type: String, nullable: true, example: 'http://127.0.0.1:8080' })
  url: string | null;

  @ApiProperty({ format: 'date-time' })
  registered_time: string;
}

export const ProducerPageDto = PageDto(ProducerDto, 'Producer');
