import { addUtcMonths, assertPeriodicity, InvalidPeriodicityError, nextOccurrence } from './periodicity';

const at = (iso: string) => new Date(iso);
const next = (p: string, anchor: string, after: string) => nextOccurrence(p, at(anchor), at(after))?.toISOString();

describe('nextOccurrence', () => {
  it('has no next run for once', () => {
    expect(nextOccurrence('once', at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'))).toBeNull();
  });

  it('returns the anchor itself while it is still ahead', () => {
    expect(next('hourly', '2026-03-01T10:00:00.000Z', '2026-03-01T09:00:00.000Z')).toBe('2026-03-01T10:00:00.000Z');
    expect(next('monthly', '2026-03-31T10:00:00.000Z', '2026-03-01T00:00:00.000Z')).toBe('2026-03-31T10:00:00.000Z');
  });

  it('coalesces missed hourly runs into the next one after now', () => {
    expect(next('hourly', '2026-03-01T10:15:00.000Z', '2026-03-01T13:20:00.000Z')).toBe('2026-03-01T14:15:00.000Z');
  });

  it('is strictly after: a run exactly at now moves one period on', () => {
    expect(next('daily', '2026-03-01T10:00:00.000Z', '2026-03-03T10:00:00.000Z')).toBe('2026-03-04T10:00:00.000Z');
  });

  it('crosses a leap day daily and weekly', () => {
    expect(next('daily', '2028-02-28T08:00:00.000Z', '2028-02-28T09:00:00.000Z')).toBe('2028-02-29T08:00:00.000Z');
    expect(next('weekly', '2028-02-26T08:00:00.000Z', '2028-02-26T09:00:00.000Z')).toBe('2028-03-04T08:00:00.000Z');
  });

  it('keeps a month-end anchor: Jan 31 -> Feb 29 (leap) -> Mar 31', () => {
    expect(next('monthly', '2028-01-31T12:00:00.000Z', '2028-01-31T12:00:00.000Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(next('monthly', '2028-01-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z')).toBe('2028-03-31T12:00:00.000Z');
    expect(next('monthly', '2027-01-31T12:00:00.000Z', '2027-02-01T00:00:00.000Z')).toBe('2027-02-28T12:00:00.000Z');
  });

  it('crosses a year end monthly', () => {
    expect(next('monthly', '2026-12-15T00:00:00.000Z', '2027-01-20T00:00:00.000Z')).toBe('2027-02-15T00:00:00.000Z');
  });

  it('reads cron expressions in UTC', () => {
    expect(next('*/15 * * * *', '2026-01-01T00:00:00.000Z', '2026-05-05T10:07:00.000Z')).toBe(
      '2026-05-05T10:15:00.000Z',
    );
    expect(next('0 0 29 2 *', '2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('30 2 * * 1', '2026-01-01T00:00:00.000Z', '2026-11-22T00:00:00.000Z')).toBe('2026-11-23T02:30:00.000Z');
  });
});

describe('assertPeriodicity', () => {
  it.each(['once', 'hourly', 'daily', 'weekly', 'monthly', '*/5 * * * *', '0 9 * * 1-5'])('accepts %s', (p) => {
    expect(() => assertPeriodicity(p)).not.toThrow();
  });

  it.each(['yearly', '', '* * * *', '0 0 * * * *', '61 * * * *', '* 25 * * *', 'a b c d e'])('rejects "%s"', (p) => {
    expect(() => assertPeriodicity(p)).toThrow(InvalidPeriodicityError);
  });
});

describe('addUtcMonths', () => {
  it('clamps to the last day of a shorter month', () => {
    expect(addUtcMonths(at('2026-03-31T00:00:00Z'), 1).toISOString()).toBe('2026-04-30T00:00:00.000Z');
    expect(addUtcMonths(at('2026-01-30T00:00:00Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
  });
});
