import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

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
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'REDIS_PREFIX must be 1..64 characters of A-Z a-z 0-9 _ . : -' })
  REDIS_PREFIX: string = 'tq';

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

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: string = 'log';
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
    if (errors.length > 0) {
      throw new InvalidEnvironmentError(
        errors.map((error) => `${error.property}=${JSON.stringify(raw[error.property])}: ${Object.values(error.constraints ?? {}).join('; ')}`),
      );
    }
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
