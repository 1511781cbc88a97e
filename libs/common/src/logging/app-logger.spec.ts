import { ConsoleLogger, Logger } from '@nestjs/common';
import { logSettingsFromEnv } from '../config/log-settings';
import { AppLogger, AppLoggerOptions } from './app-logger';
import { FailureLog } from './failure-log';
import { MAX_LOGGED_TEXT, REDACTED, redactText, redactValue } from './redact';

/** A logger writing into an array, and its lines parsed when they are JSON. */
function capture(options: AppLoggerOptions = {}) {
  const lines: string[] = [];
  const logger = new AppLogger({ format: 'json', ...options, write: (line) => lines.push(line) });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

const stackOf = (message: string) => new Error(message).stack!;

describe('AppLogger', () => {
  it('writes one JSON object a line: ISO-8601 time, level, context, a string message, fields', () => {
    const { logger, lines, records } = capture();
    logger.log('task retried', { taskId: 't1', queue: 'email', attempt: 2 }, 'DeliveryOutcomes');
    expect(lines).toHaveLength(1);
    const [line] = records();
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'log',
      context: 'DeliveryOutcomes',
      message: 'task retried',
      taskId: 't1',
      queue: 'email',
      attempt: 2,
    });
    expect(Date.parse(line.time as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('makes an object message a string message plus fields, and keeps the line’s own names', () => {
    const { logger, records } = capture();
    logger.warn({ message: 'GET /x 400', status: 400, level: 'spoofed', time: 1 }, 'http');
    logger.log({ requestId: 'r1', status: 200 }, 'http');
    const [named, unnamed] = records();
    expect(named).toMatchObject({ level: 'warn', message: 'GET /x 400', status: 400 });
    expect(typeof named.time).toBe('string');
    expect(unnamed).toMatchObject({ message: '', requestId: 'r1', status: 200 });
  });

  it('reads Nest’s own calls: extra strings join the message, the last one is the context', () => {
    const { logger, records } = capture();
    logger.log('listening on', 3000, 'bootstrap');
    logger.log('no context');
    expect(records()).toEqual([
      expect.objectContaining({ message: 'listening on 3000', context: 'bootstrap' }),
      expect.not.objectContaining({ context: expect.anything() }),
    ]);
  });

  it('logs at LOG_LEVEL and above: warn drops log and debug, keeps error and fatal', () => {
    const { logger, records } = capture({ level: 'warn' });
    logger.verbose('v');
    logger.debug('d');
    logger.log('l');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(records().map((line) => line.level)).toEqual(['warn', 'error', 'fatal']);
    expect(logger.isLevelEnabled('log')).toBe(false);
    logger.setLevel('verbose');
    expect(logger.isLevelEnabled('verbose')).toBe(true);
  });

  it('puts Nest’s start-up chatter (module, route mapping) at debug, so the banner is the first line at log', () => {
    const { logger, records } = capture();
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/tasks, POST} route', 'RouterExplorer');
    logger.log('TasksController {/tasks}:', 'RoutesResolver');
    logger.log('Starting Nest application...', 'NestFactory');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.log('broker listening on 3000', 'bootstrap');
    expect(records()).toEqual([expect.objectContaining({ message: 'broker listening on 3000' })]);
    const debug = capture({ level: 'debug' });
    debug.logger.log('Mapped {/tasks, POST} route', 'RouterExplorer');
    expect(debug.records()).toEqual([expect.objectContaining({ level: 'debug', context: 'RouterExplorer' })]);
  });

  it('prints a stack only on error and fatal lines, never on warn', () => {
    const { logger, records } = capture();
    logger.error('unexpected', stackOf('boom'), 'ExceptionsHandler');
    logger.warn('bad body', stackOf('client mistake'), 'http');
    logger.warn(new Error('as an error'));
    logger.fatal(new Error('start failed'));
    const [error, warn, warnError, fatal] = records();
    expect(error).toMatchObject({ level: 'error', context: 'ExceptionsHandler', message: 'unexpected' });
    expect(error.stack).toMatch(/^Error: boom\n\s+at /);
    expect(warn).toMatchObject({ level: 'warn', message: 'bad body', context: 'http' });
    expect(warn).not.toHaveProperty('stack');
    expect(warnError).toMatchObject({ level: 'warn', message: 'as an error' });
    expect(warnError).not.toHaveProperty('stack');
    expect(fatal.stack).toMatch(/start failed/);
  });

  it('pretty: one readable line, time first, fields as name=value, a stack indented below', () => {
    const { logger, lines } = capture({ format: 'pretty', colors: false });
    logger.warn('task dead-lettered', { taskId: 't1', queue: 'email', error: 'smtp down' }, 'DeliveryOutcomes');
    logger.error('unexpected', stackOf('boom'), 'ExceptionsHandler');
    const [time, ...rest] = lines[0].split(' ');
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rest.join(' ')).toMatch(
      /^WARN +\[DeliveryOutcomes\] task dead-lettered taskId=t1 queue=email error="smtp down"$/,
    );
    const [first, ...stack] = lines[1].split('\n');
    expect(first).toMatch(/ERROR +\[ExceptionsHandler\] unexpected$/);
    expect(stack[0]).toBe('    Error: boom');
    expect(stack[1]).toMatch(/^ {4}\s+at /);
  });

  it('redacts secrets in fields, messages and stacks', () => {
    const { logger, lines, records } = capture();
    logger.warn('call failed', {
      headers: { authorization: 'Bearer tq_abcdefghijklmnopqrstuvwxyz012345', 'x-tq-consumer-secret': 's3cr3t-value' },
      apiKey: 'k',
      url: 'redis://user:p@ss:word@redis.example:6379/0',
    });
    logger.error(
      'REDIS_URL=redis://:hunter2@10.0.0.5:6379 unreachable',
      'Error: x\n    at Authorization: Basic dXNlcjpwYXNz',
    );
    const [fields, text] = records();
    expect(fields).toMatchObject({
      headers: { authorization: REDACTED, 'x-tq-consumer-secret': REDACTED },
      apiKey: REDACTED,
      url: `redis://${REDACTED}@redis.example:6379/0`,
    });
    expect(text.message).toBe(`REDIS_URL=redis://${REDACTED}@10.0.0.5:6379 unreachable`);
    expect(text.stack).toContain(`Authorization: ${REDACTED}`);
    for (const secret of ['tq_abcdefghij', 's3cr3t', 'p@ss', 'hunter2', 'dXNlcjpwYXNz'])
      expect(lines.join('\n')).not.toContain(secret);
  });

  it('goes through Nest’s Logger: `new Logger(Class.name).warn(message, fields)` keeps the fields', () => {
    const { logger, records } = capture();
    Logger.overrideLogger(logger);
    try {
      new Logger('Reaper').warn('task retried', { taskId: 't9', consumerId: 'c00000001' });
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    expect(records()).toEqual([
      expect.objectContaining({
        level: 'warn',
        context: 'Reaper',
        message: 'task retried',
        taskId: 't9',
        consumerId: 'c00000001',
      }),
    ]);
  });

  it('never throws for a field it cannot print (a cycle, a BigInt) or a closed stdout', () => {
    const { logger, records } = capture();
    const cycle: Record<string, unknown> = { n: 1n };
    cycle.self = cycle;
    logger.log('odd fields', { cycle });
    expect(records()[0].cycle).toEqual({ n: '1', self: '[…]' });
    const broken = new AppLogger({
      write: () => {
        throw new Error('EPIPE');
      },
    });
    expect(() => broken.error('x')).not.toThrow();
  });
});

describe('redact', () => {
  it('hides header-like and variable-like secrets in free text, whatever the separator', () => {
    expect(redactText('API_KEYS=ops:admin:abc;ci:submit:def next')).toBe(`API_KEYS=${REDACTED} next`);
    expect(redactText('{"x-tq-consumer-secret":"abc"}')).toBe(`{"x-tq-consumer-secret":"${REDACTED}"}`);
    expect(redactText('sent Bearer abc.def-ghi')).toBe(`sent Bearer ${REDACTED}`);
    expect(redactText('task t1 of queue email failed')).toBe('task t1 of queue email failed');
  });

  it("reads a client's long path in one bounded pass and logs only its start", () => {
    // Anyone can send these in a 16 KB request line; the first pattern once took minutes on them.
    for (const text of ['token'.repeat(3_200), `/tasks/${'secret-'.repeat(2_300)}`, `${'a-'.repeat(8_000)}=x`]) {
      const out = redactText(text);
      expect(out.length).toBeLessThanOrEqual(MAX_LOGGED_TEXT + 1);
      expect(out.endsWith('…')).toBe(true);
    }
    expect(redactText(`${'secret-'.repeat(10)}key: abc`)).toBe(`${'secret-'.repeat(10)}key: ${REDACTED}`);
  });

  it('keeps what is not secret, at any depth', () => {
    expect(redactValue({ a: [{ password: 'x', n: 1 }], token: null })).toEqual({
      a: [{ password: REDACTED, n: 1 }],
      token: null,
    });
  });
});

describe('logSettingsFromEnv', () => {
  it('takes good values and falls back on bad ones (the environment check then names them)', () => {
    expect(logSettingsFromEnv({ LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty' })).toEqual({
      level: 'debug',
      format: 'pretty',
    });
    expect(logSettingsFromEnv({ LOG_LEVEL: 'loud', LOG_FORMAT: 'xml' }).level).toBe('log');
    expect(['json', 'pretty']).toContain(logSettingsFromEnv({ LOG_FORMAT: 'xml' }).format);
  });
});

describe('FailureLog', () => {
  it('logs the first failures of a second one by one, then one summary line with ids', () => {
    const lines: Array<[string, Record<string, unknown>]> = [];
    let now = 10_000;
    const log = new FailureLog({ warn: (message, fields) => lines.push([message, fields]) }, 'retries', 2, () => now);
    for (let i = 0; i < 5; i++) log.report(`task t${i} retried`, { taskId: `t${i}`, queue: 'q', consumerId: 'c1' });
    expect(lines.map(([message]) => message)).toEqual(['task t0 retried', 'task t1 retried']);
    now += 1_000;
    log.report('task t5 retried', { taskId: 't5', queue: 'q' });
    log.flush();
    expect(lines.slice(2)).toEqual([
      [
        '3 more retries within a second, not logged one by one',
        { count: 3, taskIds: ['t2', 't3', 't4'], queues: ['q'], consumerIds: ['c1'] },
      ],
      ['task t5 retried', { taskId: 't5', queue: 'q' }],
    ]);
  });
});
