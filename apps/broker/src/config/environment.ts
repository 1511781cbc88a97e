import { BaseEnvironment, signingKeysProblems } from '@app/common';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { LOOPBACK_HOSTS, parseUrlAllowList } from '../consumers/consumer-url';

/** Everything the broker reads from its environment; see .env.example. */
export class BrokerEnvironment extends BaseEnvironment {
  /** Queues declared at start: `name:key1,key2:capacity;...`; `default` binds the stock consumer's example handlers. */
  @IsString()
  QUEUES: string = 'default:default,echo,sleep,fail:100000;email:email:100000;report:report:100000';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  DEFAULT_QUEUE_CAPACITY: number = 100_000;

  /** Largest single-task request body, bytes (413 above it). */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  MAX_TASK_BYTES: number = 65_536;

  /** Largest request body (a bulk request), bytes. */
  MAX_BODY_BYTES: number = 16 * 1024 * 1024;

  /**
   * How long a cancelled task is kept (it expires then); the same setting as the consumer's and the task-dispatcher's.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  RETENTION_DAYS: number = 30;

  /** A delivery's lease: not acked or extended (POST /leases) within it, it goes out again. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  ACK_TIMEOUT_MS: number = 30_000;

  /** Unacked deliveries a queue may have at once. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  PREFETCH_WINDOW: number = 2_000;

  /** Tasks per POST /deliveries. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  DELIVERY_BATCH: number = 1_000;

  /**
   * Least time between two batches of one queue, ms: under load tasks gather into one POST instead
   * of a POST each, while the first task after a quiet spell still goes at once. 0 sends as soon as
   * the previous batch is answered.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  DELIVERY_LINGER_MS: number = 5;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DELIVERY_TIMEOUT_MS: number = 5_000;

  /** How soon a queue whose batch is on the wire looks again if nothing wakes it first, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(5)
  DISPATCH_POLL_MS: number = 50;

  /**
   * How long an idle queue sleeps when nothing wakes it, ms. Work wakes it (a task accepted, an ack,
   * a retry's backoff ending, a consumer joining, the scheduler releasing a task); this only bounds
   * the wait if a wake-up is lost, so 1,000 idle queues cost almost nothing.
   */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  DISPATCH_IDLE_MS: number = 10_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  BACKOFF_BASE_MS: number = 500;

  @Type(() => Number)
  @IsNumber()
  @Min(1)
  BACKOFF_FACTOR: number = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  BACKOFF_CAP_MS: number = 60_000;

  /** A consumer missing this many heartbeats is dropped. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  HEARTBEAT_INTERVAL_MS: number = 2_000;

  /** Submit requests (POST /tasks, /tasks/bulk) per second per key, burst twice that; 0 = no limit. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  SUBMIT_RATE_LIMIT: number = 0;

  /** Tasks one key may have pending (accepted, not yet stored) across all queues; 0 = no cap. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  PENDING_CAP_PER_KEY: number = 0;

  /** Most live consumers; a registration past it is refused (409). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_CONSUMERS: number = 1_000;

  /** Most queues that may be declared; a declaration past it is refused (409). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_QUEUES: number = 1_000;

  /**
   * Hosts consumers may register at: comma-separated host[:port] patterns (`*.` prefix, `*` port); default loopback
   * only.
   */
  @IsString()
  @Matches(/^[\w.:*,\s[\]-]*$/, { message: 'CONSUMER_URL_ALLOW must be host[:port] patterns separated by commas' })
  CONSUMER_URL_ALLOW: string = LOOPBACK_HOSTS;

  /** Keys of the push signature, comma-separated, the current one first (see the README); required unless AUTH=off. */
  @IsOptional()
  @IsString()
  DELIVERY_SIGNING_KEYS?: string;

  override crossProblems(): string[] {
    const problems = [...super.crossProblems(), ...signingKeysProblems(this.AUTH, this.DELIVERY_SIGNING_KEYS)];
    try {
      parseUrlAllowList(this.CONSUMER_URL_ALLOW);
    } catch (error) {
      problems.push((error as Error).message);
    }
    return problems;
  }
}
