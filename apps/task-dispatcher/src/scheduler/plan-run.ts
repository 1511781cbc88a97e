import { nextOccurrence, storedTaskTtlMs } from '@app/common';

/** The hash fields a run is planned from, as HMGET returns them (null when missing). */
export interface DueTaskFields {
  periodicity: string | null;
  anchor_time: string | null;
  scheduled_time: string | null;
}

export interface PlannedRun {
  /** scheduled_time as read, so the trigger script can tell if another pass got there first. */
  seen: string;
  /** The next scheduled_time (ms), or null when the task completes. */
  next: number | null;
  /** The TTL the task gets: until its next run (or now) plus retention plus slack. */
  ttlMs: number;
}

/**
 * What running a due task at `now` does to it. A periodic task moves to its first occurrence after
 * now, counted from its anchor (its first scheduled time), so runs missed while no dispatcher ran
 * collapse into this one. Throws InvalidPeriodicityError for a periodicity that cannot be read.
 */
export function planRun(fields: DueTaskFields, now: number, retentionMs: number): PlannedRun {
  const seen = fields.scheduled_time ?? '';
  const periodicity = fields.periodicity ?? 'once';
  const anchor = Number(fields.anchor_time || seen);
  const next = Number.isFinite(anchor) ? nextOccurrence(periodicity, new Date(anchor), new Date(now)) : null;
  const nextMs = next?.getTime() ?? null;
  return { seen, next: nextMs, ttlMs: storedTaskTtlMs(nextMs ?? now, now, retentionMs) };
}
