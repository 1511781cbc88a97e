import { retentionMs, storedTaskTtlMs, TTL_SLACK_MS } from './retention';

describe('storedTaskTtlMs', () => {
  const now = Date.parse('2026-11-22T00:00:00Z');
  const thirtyDays = retentionMs(30);

  it('outlives a task due in 60 days by the retention period', () => {
    const due = now + retentionMs(60);
    expect(now + storedTaskTtlMs(due, now, thirtyDays)).toBeGreaterThan(due + thirtyDays);
  });

  it('keeps an overdue task for the retention period plus slack', () => {
    expect(storedTaskTtlMs(now - 5_000, now, thirtyDays)).toBe(thirtyDays + TTL_SLACK_MS);
  });
});
