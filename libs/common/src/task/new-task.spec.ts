import { newTask } from './new-task';
import { isDueOnDelivery } from './task.model';

describe('newTask', () => {
  const now = Date.UTC(2026, 11, 2, 10, 7, 30);

  it('starts a task given no scheduled_time now', () => {
    expect(newTask({ task_name: 'a', task_type: 'echo' }, now).scheduled_time).toBe('2026-12-02T10:07:30.000Z');
  });

  it('starts a periodic task given no scheduled_time at its first occurrence after now', () => {
    expect(newTask({ task_name: 'a', task_type: 'echo', periodicity: '*/15 * * * *' }, now).scheduled_time).toBe(
      '2026-12-02T10:15:00.000Z',
    );
    expect(newTask({ task_name: 'a', task_type: 'echo', periodicity: 'hourly' }, now).scheduled_time).toBe(
      '2026-12-02T11:07:30.000Z',
    );
  });

  it('keeps a scheduled_time it is given', () => {
    const scheduled_time = '2026-12-24T18:00:00.000Z';
    expect(
      newTask({ task_name: 'a', task_type: 'echo', periodicity: 'daily', scheduled_time }, now).scheduled_time,
    ).toBe(scheduled_time);
  });
});

describe('isDueOnDelivery', () => {
  const at = 1_000_000;

  it('runs a once task whose time has come, and not one due later', () => {
    expect(isDueOnDelivery('once', at, undefined, at)).toBe(true);
    expect(isDueOnDelivery('once', at + 1, undefined, at)).toBe(false);
  });

  it('runs a periodic task only when the scheduler released it for this occurrence', () => {
    expect(isDueOnDelivery('hourly', at - 5, undefined, at)).toBe(false);
    expect(isDueOnDelivery('hourly', at - 5, at - 5, at)).toBe(true);
    // Released for an earlier occurrence: this one has not come yet.
    expect(isDueOnDelivery('hourly', at + 3_600_000, at, at)).toBe(false);
  });

  it('runs a released task whatever this host clock says, so skewed clocks cannot bounce it back', () => {
    expect(isDueOnDelivery('once', at + 500, at + 500, at)).toBe(true);
  });
});
