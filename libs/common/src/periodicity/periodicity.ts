import { CronExpressionParser } from 'cron-parser';

export const FIXED_PERIODICITIES = ['once', 'hourly', 'daily', 'weekly', 'monthly'] as const;

const HOUR_MS = 3_600_000;
const FIXED_PERIOD_MS: Record<string, number> = { hourly: HOUR_MS, daily: 24 * HOUR_MS, weekly: 7 * 24 * HOUR_MS };

export class InvalidPeriodicityError extends Error {
  constructor(value: string, reason: string) {
    super(`periodicity "${value}" is invalid: ${reason}`);
    this.name = 'InvalidPeriodicityError';
  }
}

function parseCron(expression: string, after: Date) {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new InvalidPeriodicityError(expression, 'expected once, hourly, daily, weekly, monthly or 5 cron fields');
  }
  try {
    return CronExpressionParser.parse(fields.join(' '), { currentDate: after, tz: 'UTC', strict: false });
  } catch (error) {
    throw new InvalidPeriodicityError(expression, (error as Error).message);
  }
}

/** Throws InvalidPeriodicityError unless the value is a periodicity this system runs. */
export function assertPeriodicity(value: string): void {
  if ((FIXED_PERIODICITIES as readonly string[]).includes(value)) return;
  parseCron(value, new Date(0));
}

/** Whether a value is a periodicity this system runs (a string assertPeriodicity accepts). */
export function isPeriodicity(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    assertPeriodicity(value);
    return true;
  } catch {
    return false;
  }
}

/** Adds whole calendar months in UTC, clamping to the month's last day (Jan 31 + 1 = Feb 28/29). */
export function addUtcMonths(anchor: Date, months: number): Date {
  const year = anchor.getUTCFullYear();
  const month = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

/**
 * The first run strictly after `after` of a task first scheduled at `anchor`.
 * Fixed periods count from the anchor, so a monthly task anchored on the 31st runs on the last day
 * of shorter months and returns to the 31st; cron expressions are read in UTC.
 * Returns null for `once`, which has no next run.
 */
export function nextOccurrence(periodicity: string, anchor: Date, after: Date): Date | null {
  if (periodicity === 'once') return null;
  const period = FIXED_PERIOD_MS[periodicity];
  const calendar = period !== undefined || periodicity === 'monthly';
  if (!calendar) return parseCron(periodicity, after).next().toDate();
  if (anchor.getTime() > after.getTime()) return anchor;
  if (period !== undefined) {
    const steps = Math.floor((after.getTime() - anchor.getTime()) / period) + 1;
    return new Date(anchor.getTime() + steps * period);
  }
  let months = (after.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (after.getUTCMonth() - anchor.getUTCMonth());
  while (addUtcMonths(anchor, months).getTime() <= after.getTime()) months++;
  return addUtcMonths(anchor, months);
}
