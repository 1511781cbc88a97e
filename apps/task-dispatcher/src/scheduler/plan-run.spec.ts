import { retentionMs, TTL_SLACK_MS } from '@app/common';
import { planRun } from './plan-run';

const at = (iso: string) => Date.parse(iso);
const thirtyDays = retentionMs(30);

function plan(periodicity: string, anchorIso: string, nowIso: string, scheduledIso = anchorIso) {
  return planRun(
    { periodicity, anchor_time: String(at(anchorIso)), scheduled_time: String(at(scheduledIso)) },
    at(nowIso),
    thirtyDays,
  );
}

describe('planRun', () => {
  it('completes a once task and keeps it for the retention period plus slack', () => {
    const run = plan('once', '2026-01-01T00:00:00Z', '2026-01-01T00:00:30Z');
    expect(run).toEqual({ seen: String(at('2026-01-01T00:00:00Z')), next: null, ttlMs: thirtyDays + TTL_SLACK_MS });
  });

  it('coalesces missed hourly runs into one and moves to the first hour after now', () => {
    const run = plan('hourly', '2026-01-31T22:15:00Z', '2026-02-01T03:40:00Z');
    expect(new Date(run.next!).toISOString()).toBe('2026-02-01T04:15:00.000Z');
    expect(run.ttlMs).toBe(at('2026-02-01T04:15:00Z') - at('2026-02-01T03:40:00Z') + thirtyDays + TTL_SLACK_MS);
  });

  it('counts monthly runs from the anchor, so the 31st comes back after a leap February', () => {
    const run = plan('monthly', '2024-01-31T09:00:00Z', '2024-02-29T09:00:00Z', '2024-02-29T09:00:00Z');
    expect(new Date(run.next!).toISOString()).toBe('2024-03-31T09:00:00.000Z');
  });

  it('falls back to scheduled_time when there is no anchor', () => {
    const run = planRun(
      { periodicity: 'daily', anchor_time: null, scheduled_time: String(at('2024-02-28T12:00:00Z')) },
      at('2024-02-28T12:00:00Z'),
      thirtyDays,
    );
    expect(new Date(run.next!).toISOString()).toBe('2024-02-29T12:00:00.000Z');
  });

  it('reads a missing hash as a once task, which the script then drops from the index', () => {
    expect(planRun({ periodicity: null, anchor_time: null, scheduled_time: null }, 0, thirtyDays).next).toBeNull();
  });

  it('throws on a periodicity it cannot read', () => {
    expect(() => plan('every tuesday', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')).toThrow(/periodicity/);
  });
});
