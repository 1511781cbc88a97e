import { CliUsageError, parseCliArgs } from './cli-options';

function usageError(argv: string[]): string {
  try {
    parseCliArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseCliArgs', () => {
  it("has defaults that run against the broker's default queue", () => {
    expect(parseCliArgs([])).toEqual({
      help: false,
      json: false,
      broker: undefined,
      timeoutMs: undefined,
      produce: { count: 1000, concurrency: 16, batch: 1, task_name: 'produced by cli', task_type: 'default' },
    });
  });

  it('reads every option', () => {
    const options = parseCliArgs([
      '--count',
      '10000',
      '--concurrency',
      '32',
      '--batch',
      '100',
      '--broker',
      'http://broker:3000',
      '--task-name',
      'n',
      '--task-type',
      'email',
      '--types',
      'a, b,c',
      '--binding-key',
      'k',
      '--priority',
      '2..7',
      '--payload',
      '{"k":1}',
      '--scheduled-time',
      '2030-01-01T00:00:00Z',
      '--spread-seconds',
      '60',
      '--periodicity',
      'daily',
      '--max-retries',
      '3',
      '--timeout-ms',
      '500',
      '--json',
    ]);
    expect(options).toEqual({
      help: false,
      json: true,
      broker: 'http://broker:3000',
      timeoutMs: 500,
      produce: {
        count: 10000,
        concurrency: 32,
        batch: 100,
        task_name: 'n',
        task_type: 'email',
        task_types: ['a', 'b', 'c'],
        binding_key: 'k',
        priority_range: [2, 7],
        payload: { k: 1 },
        scheduled_time: '2030-01-01T00:00:00Z',
        schedule_spread_seconds: 60,
        periodicity: 'daily',
        max_retries: 3,
      },
    });
  });

  it('reads a single priority', () => {
    expect(parseCliArgs(['--priority', '9']).produce.priority).toBe(9);
  });

  it('names an unknown option', () => {
    expect(usageError(['--cuont', '5'])).toBe("Unknown option '--cuont'");
  });

  it('names a non-numeric count', () => {
    expect(usageError(['--count', 'ten'])).toBe('--count must be a whole number, got "ten"');
  });

  it('names options outside their range, by the flag the user typed', () => {
    const message = usageError(['--count', '0', '--concurrency', '1000', '--priority', '7..2', '--types', 'A']);
    expect(message).toContain('--count: count must not be less than 1');
    expect(message).toContain('--concurrency: concurrency must not be greater than 512');
    expect(message).toContain('--priority: priority_range must be [min, max] with min <= max');
    expect(message).toContain('--types: each of task_types must match');
  });

  it('rejects a payload that is not a JSON object', () => {
    expect(usageError(['--payload', '{k:1}'])).toMatch(/^--payload must be JSON/);
    expect(usageError(['--payload', '[1]'])).toContain('--payload: payload must be a JSON object');
  });

  it('rejects a missing value, a stray argument and a bad broker', () => {
    expect(usageError(['--count'])).toContain("'--count <value>' argument missing");
    expect(usageError(['10'])).toContain("Unexpected argument '10'");
    expect(usageError(['--broker', 'broker:3000'])).toContain('--broker must be an http(s) URL');
  });
});
