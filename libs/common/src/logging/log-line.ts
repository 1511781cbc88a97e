import type { LogLevel } from '@nestjs/common';
import type { LogFormat } from '../config/log-settings';
import { redactText, redactValue } from './redact';

/** One log line before it is written: `message` is always a string, everything else is a field. */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  context?: string;
  message: string;
  fields?: Record<string, unknown>;
  /** Only error and fatal lines carry one. */
  stack?: string;
}

/** Names the line itself uses: a field of the same name is left out rather than replace them. */
const OWN_NAMES = new Set(['time', 'level', 'context', 'message', 'stack']);

/** The record's fields, redacted, without the line's own names and without undefined values. */
function safeFields(fields: Record<string, unknown> | undefined): Array<[string, unknown]> {
  if (!fields) return [];
  const redacted = redactValue(fields) as Record<string, unknown>;
  return Object.entries(redacted).filter(([name, value]) => value !== undefined && !OWN_NAMES.has(name));
}

/** One JSON object: `{time, level, context, message, ...fields, stack}`, time in ISO 8601 (UTC). */
export function formatJson(record: LogRecord): string {
  const line: Record<string, unknown> = {
    time: record.time.toISOString(),
    level: record.level,
    context: record.context,
    message: redactText(record.message),
  };
  for (const [name, value] of safeFields(record.fields)) line[name] = value;
  if (record.stack) line.stack = redactText(record.stack);
  return JSON.stringify(line);
}

const COLORS: Partial<Record<LogLevel, string>> = { fatal: '31', error: '31', warn: '33', debug: '35', verbose: '36' };

/** A field as `name=value`: plain when it reads unambiguously, JSON otherwise. */
function pair(name: string, value: unknown): string {
  const text = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return `${name}=${text}`;
}

/** For a person: `time LEVEL [context] message name=value …`, a stack indented on the lines below. */
export function formatPretty(record: LogRecord, colors = false): string {
  let level = record.level.toUpperCase().padEnd(7);
  const color = COLORS[record.level];
  if (colors && color) level = `\x1b[${color}m${level}\x1b[0m`;
  const parts = [record.time.toISOString(), level];
  if (record.context) parts.push(`[${record.context}]`);
  parts.push(redactText(record.message));
  for (const [name, value] of safeFields(record.fields)) parts.push(pair(name, value));
  const stack = record.stack ? `\n${redactText(record.stack).replace(/^/gm, '    ')}` : '';
  return parts.join(' ') + stack;
}

export function formatRecord(record: LogRecord, format: LogFormat, colors = false): string {
  return format === 'json' ? formatJson(record) : formatPretty(record, colors);
}
