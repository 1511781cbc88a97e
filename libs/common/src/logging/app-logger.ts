import type { LoggerService, LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';
import { defaultLogFormat, LOG_LEVELS, LogFormat, LogSettings } from '../config/log-settings';
import { formatRecord, LogRecord } from './log-line';

/** Nest's start-up chatter (a line per module, controller and route): debug, not log. */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** A stack trace as Nest passes one: the first line, then `at …` lines. */
const STACK = /^.+\n\s+at .+/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);

type Parsed = Omit<LogRecord, 'time' | 'level'>;

/**
 * Nest's logging calls as one record. Nest passes `(message, ...params, context)`: a last string is
 * the context (unless it is a stack), a stack string or an Error gives the stack, objects are fields,
 * other strings join the message. An object message gives its `message` (or `msg`) and its fields.
 */
function parse(message: unknown, params: unknown[]): Parsed {
  const rest = [...params];
  const last = rest[rest.length - 1];
  const context = typeof last === 'string' && !STACK.test(last) ? (rest.pop() as string) : undefined;
  let text: string;
  let stack: string | undefined;
  const fields: Record<string, unknown> = {};
  const value: unknown = typeof message === 'function' ? (message as () => unknown)() : message;
  if (value instanceof Error) {
    text = value.message;
    stack = value.stack;
  } else if (isPlainObject(value)) {
    const { message: inner, msg, ...others } = value;
    const named = typeof inner === 'string' ? inner : typeof msg === 'string' ? msg : undefined;
    text = named ?? '';
    Object.assign(fields, named === undefined ? value : others);
  } else {
    text = String(value);
  }
  const extra: string[] = [];
  for (const param of rest) {
    if (param === undefined || param === null) continue;
    if (param instanceof Error) {
      fields.error ??= param.message;
      stack ??= param.stack;
    } else if (typeof param === 'string' && STACK.test(param)) stack ??= param;
    else if (isPlainObject(param)) Object.assign(fields, param);
    else extra.push(typeof param === 'string' ? param : inspect(param, { depth: 3, breakLength: Infinity }));
  }
  if (extra.length) text = [text, ...extra].filter(Boolean).join(' ');
  return { context, message: text, fields, stack };
}

export interface AppLoggerOptions extends Partial<LogSettings> {
  /** Where each line goes (stdout by default); without its newline. */
  write?: (line: string) => void;
  /** Colour the level in pretty lines (by default when stdout is a terminal). */
  colors?: boolean;
}

/**
 * The apps' logger: one line per call, in JSON (`{time, level, context, message, ...fields}`) or
 * pretty, time in ISO 8601, `message` always a string, secrets redacted (see redact.ts). Levels are
 * Nest's; a stack is printed only on error and fatal lines, so a client's mistake logged at warn
 * never carries one. Lines are written synchronously, so nothing is lost when a failed start exits.
 */
export class AppLogger implements LoggerService {
  private enabled = new Set<LogLevel>();
  readonly format: LogFormat;
  private readonly colors: boolean;
  private readonly write: (line: string) => void;

  constructor(options: AppLoggerOptions = {}) {
    this.format = options.format ?? defaultLogFormat();
    this.colors = options.colors ?? (this.format === 'pretty' && process.stdout.isTTY === true);
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.setLevel(options.level ?? 'log');
  }

  /** Logs at `level` and every more severe one (fatal always, with error). */
  setLevel(level: string): void {
    const upTo = Math.max(0, (LOG_LEVELS as readonly string[]).indexOf(level));
    this.enabled = new Set<LogLevel>(['fatal', ...LOG_LEVELS.slice(0, upTo + 1)]);
  }

  setLogLevels(levels: LogLevel[]): void {
    this.enabled = new Set(levels);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.enabled.has(level);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.print('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.print('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.print('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.print('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.print('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.print('fatal', message, params);
  }

  private print(asked: LogLevel, message: unknown, params: unknown[]): void {
    // A line below the level costs nothing more (start-up lines are only ever moved down).
    if (!this.enabled.has(asked)) return;
    const parsed = parse(message, params);
    const level = asked === 'log' && parsed.context && START_UP_CONTEXTS.has(parsed.context) ? 'debug' : asked;
    if (!this.enabled.has(level)) return;
    const record: LogRecord = { time: new Date(), level, ...parsed };
    if (level !== 'error' && level !== 'fatal') record.stack = undefined;
    try {
      this.write(formatRecord(record, this.format, this.colors));
    } catch {
      // A closed stdout (EPIPE) must not take the app down with it.
    }
  }
}
