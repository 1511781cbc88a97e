import { Type } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import { BaseEnvironment, environmentValidator, InvalidEnvironmentError } from './validate-env';

class ExampleEnvironment extends BaseEnvironment {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  WORKERS: number = 4;
}

const validate = environmentValidator(ExampleEnvironment);

describe('environmentValidator', () => {
  it('applies defaults and converts numbers', () => {
    const env = validate({ PORT: '3000', WORKERS: '8' });
    expect(env).toMatchObject({ PORT: 3000, WORKERS: 8, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'tq' });
  });

  it('treats an empty value as unset', () => {
    expect(validate({ WORKERS: '' }).WORKERS).toBe(4);
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
});
