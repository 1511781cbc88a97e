import { BrokerCallerEnvironment } from '@app/common';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Min } from 'class-validator';

/** Everything the producer reads from its environment; see .env.example. */
export class ProducerEnvironment extends BrokerCallerEnvironment {
  /** Name under which it registers with the broker; default producer-$PORT. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/)
  PRODUCER_NAME?: string;

  /** The URL the broker lists for it; default http://127.0.0.1:$PORT. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  ADVERTISED_URL?: string;

  /** Timeout of every call to the broker, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  BROKER_TIMEOUT_MS: number = 10_000;

  /** Resends of a request after a network error, timeout or 5xx before its tasks count as failed. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SUBMIT_MAX_RETRIES: number = 5;

  /** Resends of a request after 503/429 (the broker's backpressure) before giving up. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SUBMIT_MAX_BUSY_RETRIES: number = 100;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  BACKOFF_BASE_MS: number = 200;

  @Type(() => Number)
  @IsNumber()
  @Min(1)
  BACKOFF_FACTOR: number = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  BACKOFF_CAP_MS: number = 10_000;
}
