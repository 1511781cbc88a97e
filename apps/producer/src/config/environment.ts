import { BaseEnvironment } from '@app/common';
import { IsOptional, IsString, IsUrl, Matches } from 'class-validator';

/** Everything the producer reads from its environment; see .env.example. */
export class ProducerEnvironment extends BaseEnvironment {
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  BROKER_URL: string = 'http://127.0.0.1:3000';

  /** Name under which it registers with the broker; default producer-$PORT. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/)
  PRODUCER_NAME?: string;

  /** The URL the broker lists for it; default http://127.0.0.1:$PORT. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  ADVERTISED_URL?: string;
}
