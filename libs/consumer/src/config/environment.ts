import { BrokerCallerEnvironment, OFFERED_TYPE_PATTERN, signingKeysProblems } from '@app/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Min } from 'class-validator';

const offeredType = OFFERED_TYPE_PATTERN.source.slice(1, -1);
/** HANDLED_TYPES: offered types separated by commas. */
const OFFERED_TYPE_LIST = new RegExp(`^${offeredType}(,${offeredType})*$`);

/** Everything the consumer reads from its environment; see .env.example. */
export class ConsumerEnvironment extends BrokerCallerEnvironment {
  /** The URL the broker pushes to; default http://127.0.0.1:$PORT. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  ADVERTISED_URL?: string;

  /** Largest request body, bytes: a delivery batch of DELIVERY_BATCH tasks must fit. */
  MAX_BODY_BYTES: number = 32 * 1024 * 1024;

  /** A delivery wraps the task in three more levels than the broker accepted it with. */
  MAX_JSON_DEPTH: number = 40;

  /**
   * The task types this consumer offers, comma-separated: each needs a handler, and `*` also stores
   * (without running anything) tasks of any type no live consumer has a handler for. Default `*`:
   * every handler of the app, plus store-only for the rest.
   */
  @IsString()
  @Matches(OFFERED_TYPE_LIST, { message: 'HANDLED_TYPES must be task types or * separated by commas' })
  HANDLED_TYPES: string = '*';

  /** Internal consumers (K), each with its own bounded buffer. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  WORKERS: number = 4;

  /** Tasks each internal consumer may hold. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  BUFFER_SIZE: number = 5_000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  HEARTBEAT_INTERVAL_MS: number = 2_000;

  /** How long a completed task is kept; the stored TTL covers due time plus this. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RETENTION_DAYS: number = 30;

  /** At shutdown, how long running handlers may finish before they are aborted and left to redelivery, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS: number = 10_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  ACK_BATCH_SIZE: number = 200;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  ACK_FLUSH_MS: number = 20;

  /** Keys of the push signature, comma-separated, the current one first (see the README); required unless AUTH=off. */
  @IsOptional()
  @IsString()
  DELIVERY_SIGNING_KEYS?: string;

  override crossProblems(): string[] {
    return [...super.crossProblems(), ...signingKeysProblems(this.AUTH, this.DELIVERY_SIGNING_KEYS)];
  }
}
