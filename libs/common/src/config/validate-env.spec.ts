import { Type } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import {
  BaseEnvironment,
  BrokerCallerEnvironment,
  environmentValidator,
  InvalidEnvironmentError,
} from './validate-env';

class ExampleEnvironment extends BaseEnvironment {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  WORKERS: number = 4;
}

const validate = environmentValidator(ExampleEnvironment);

describe('environmentValidator', () => {
  it('applies defaults and converts numbers', () => {
    const env = validate({ PORT: '3000', WORKERS: '8', AUTH: 'off' });
    expect(env).toMatchObject({ PORT: 3000, WORKERS: 8, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'tq' });
  });

  it('treats an empty value as unset', () => {
    expect(validate({ WORKERS: '', AUTH: 'off' }).WORKERS).toBe(4);
  });

  it('takes LOG_FORMAT json or pretty, leaves it unset for the terminal check, and refuses others', () => {
    expect(validate({ AUTH: 'off', LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(validate({ AUTH: 'off' }).LOG_FORMAT).toBeUndefined();
    expect(() => validate({ AUTH: 'off', LOG_FORMAT: 'xml' })).toThrow(
      'LOG_FORMAT="xml": LOG_FORMAT must be one of the following values: json, pretty',
    );
  });

  it('names each bad variable', () => {
    expect(() => validate({ PORT: 'eighty', REDIS_URL: 'http://x', WORKERS: '0' })).toThrow(InvalidEnvironmentError);
    try {
      validate({ PORT: 'eighty', REDIS_URL: 'http://x', WORKERS: '0' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT="eighty"');
      expect(message).toContain('REDIS_URL="http://x"');
      expect(message).toContain('WORKERS="0"');
    }
  });

  const KEY = 'k'.repeat(32);

  it('shows a bad REDIS_URL without its password', () => {
    expect(() => validate({ AUTH: 'off', REDIS_URL: 'http://user:hunter2@host' })).toThrow(
      'REDIS_URL="http://***@host"',
    );
    expect(() => validate({ AUTH: 'off', REDIS_URL: 'http://u:p@ss/w@host' })).toThrow('REDIS_URL="http://***@host"');
  });

  it('refuses to start without API_KEYS unless AUTH=off, naming API_KEYS', () => {
    expect(() => validate({})).toThrow(/API_KEYS is not set/);
    expect(validate({ AUTH: 'off' }).AUTH).toBe('off');
    expect(validate({ API_KEYS: `ops:admin+read:${KEY}` }).API_KEYS).toBe(`ops:admin+read:${KEY}`);
  });

  it('names a bad API_KEYS entry without showing any secret', () => {
    const secret = 'S'.repeat(40);
    let message = '';
    try {
      validate({ API_KEYS: `ops:admin+root:${secret}` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('unknown scope "root"');
    expect(message).not.toContain(secret);
  });

  it('asks an app that calls the broker for BROKER_API_KEY, and never shows it', () => {
    const caller = environmentValidator(BrokerCallerEnvironment);
    expect(() => caller({ API_KEYS: `ops:read:${KEY}` })).toThrow(/BROKER_API_KEY is not set/);
    expect(caller({ API_KEYS: `ops:read:${KEY}`, BROKER_API_KEY: KEY }).BROKER_API_KEY).toBe(KEY);
    expect(() => caller({ API_KEYS: `ops:read:${KEY}`, BROKER_API_KEY: 'short secret' })).toThrow(
      /BROKER_API_KEY=\(secret, not shown\)/,
    );
  });
});

describe('REDIS_PREFIX', () => {
  it('holds no `:`, so one deployment cannot read another through its keys', () => {
    const validate = environmentValidator(BaseEnvironment);
    expect(validate({ AUTH: 'off', REDIS_PREFIX: 'tq-staging' }).REDIS_PREFIX).toBe('tq-staging');
    expect(() => validate({ AUTH: 'off', REDIS_PREFIX: 'tq:task:other' })).toThrow(
      'REDIS_PREFIX must be 1..64 characters of A-Z a-z 0-9 _ . - (no :)',
    );
  });
});
