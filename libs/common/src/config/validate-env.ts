import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';
import { SECRET_PATTERN } from '../auth/api-keys';
import { parseSigningKeys } from '../auth/delivery-signature';
import { authEnvironmentProblems } from '../auth/auth-settings';
import { LOG_FORMATS, LOG_LEVELS, LogFormat } from './log-settings';

/** A URL's password (REDIS_URL's, say) as ***, so an error message can show the rest. */
function withoutPassword(value: unknown): unknown {
  // Everything between :// and the last @ is credentials, whatever characters the password holds.
  return typeof value === 'string' ? value.replace(/^([^:]*:\/\/).*@/, '$1***@') : value;
}

/** Variables whose values are secrets: an error names them but never shows their value. */
const SECRET_VARIABLES = new Set(['API_KEYS', 'BROKER_API_KEY', 'DELIVERY_SIGNING_KEYS']);

export class InvalidEnvironmentError extends Error {
  constructor(problems: string[]) {
    super(`invalid environment:\n  ${problems.join('\n  ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** Variables every app reads; each app's environment class extends this one. */
export class BaseEnvironment {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsString()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'REDIS_URL must look like redis://host:port/db' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  @IsString()
  // No `:`, the separator of every key: with it, `tq:task:other` beside `tq` would read tq's tasks.
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'REDIS_PREFIX must be 1..64 characters of A-Z a-z 0-9 _ . - (no :)' })
  REDIS_PREFIX: string = 'tq';

  /**
   * How long a Redis command may go unanswered before the request gets 503: under a second, so a
   * hung Redis is answered in time; raise it for a Redis that is slow on purpose (far away, loaded).
   */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  REDIS_COMMAND_TIMEOUT_MS: number = 800;

  /** Largest request body, bytes; bigger ones get 413. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  MAX_BODY_BYTES: number = 65_536;

  /** Deepest nesting of a request body; deeper ones get 400. */
  @Type(() => Number)
  @IsInt()
  @Min(4)
  @Max(1000)
  MAX_JSON_DEPTH: number = 32;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: string = 'log';

  /** `json` (one object a line) or `pretty`; unset, pretty when stdout is a terminal, else json. */
  @IsOptional()
  @IsIn(LOG_FORMATS)
  LOG_FORMAT?: LogFormat;

  /** A connection that sends nothing for this long is closed (ms): a half-sent request does not hold a socket. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  HTTP_IDLE_TIMEOUT_MS: number = 10_000;

  /** Connections served at once; more are refused at accept. Each producer may hold 512 to the broker. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_CONNECTIONS: number = 4096;

  /**
   * The keys this app accepts: entries `name:scopes:secret` separated by `;` (see the README). Required unless
   * AUTH=off.
   */
  @IsOptional()
  @IsString()
  API_KEYS?: string;

  /** `off` switches key checks off (logged as a warning at start); never on a network. */
  @IsIn(['on', 'off'])
  AUTH: string = 'on';

  /** Problems no single variable shows (one needed because another is set), checked with the rest. */
  crossProblems(): string[] {
    return authEnvironmentProblems(this.AUTH, this.API_KEYS);
  }
}

/**
 * DELIVERY_SIGNING_KEYS, read by the broker (it signs with the first) and the consumer (it takes
 * any): required unless AUTH=off.
 */
export function signingKeysProblems(auth: string, keys: string | undefined): string[] {
  if (keys === undefined || keys.trim() === '') {
    return auth === 'off'
      ? []
      : [
          'DELIVERY_SIGNING_KEYS is not set: the broker signs every push to a consumer with it ' +
            '(comma-separated keys, the current one first)',
        ];
  }
  try {
    parseSigningKeys(keys);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/** The environment of an app that calls the broker (consumer, producer): where it is and the key to call it with. */
export class BrokerCallerEnvironment extends BaseEnvironment {
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  BROKER_URL: string = 'http://127.0.0.1:3000';

  /** The secret alone of this app's key at the broker (scope consumer for a consumer, submit for a producer). */
  @IsOptional()
  @Matches(SECRET_PATTERN, { message: 'BROKER_API_KEY must be 32..256 characters of A-Z a-z 0-9 . _ ~ -' })
  BROKER_API_KEY?: string;

  override crossProblems(): string[] {
    const problems = super.crossProblems();
    if (this.AUTH !== 'off' && !this.BROKER_API_KEY)
      problems.push('BROKER_API_KEY is not set: the secret of the key this app calls the broker with');
    return problems;
  }
}

/**
 * Builds the `validate` function of ConfigModule.forRoot for an environment class: values are
 * converted, defaults applied, and any bad or missing one fails the start with the variable named.
 */
export function environmentValidator<T extends object>(cls: new () => T) {
  return (raw: Record<string, unknown>): T => {
    const defined = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
    const env = plainToInstance(cls, defined, { exposeDefaultValues: true });
    const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
    const problems = errors.map((error) => {
      const value = SECRET_VARIABLES.has(error.property)
        ? '(secret, not shown)'
        : JSON.stringify(withoutPassword(raw[error.property]));
      return `${error.property}=${value}: ${Object.values(error.constraints ?? {}).join('; ')}`;
    });
    if (env instanceof BaseEnvironment) problems.push(...env.crossProblems());
    if (problems.length > 0) throw new InvalidEnvironmentError(problems);
    return env;
  };
}

/** `@Type(() => Boolean)` treats "false" as true; this reads the words people write. */
export function toBoolean({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  if (['true', '1', 'yes'].includes(value.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(value.toLowerCase())) return false;
  return value;
}
