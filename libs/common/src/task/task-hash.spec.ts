import { newTask } from './new-task';
import { CorruptTaskError, isoTime, taskFromHash, taskToHash } from './task-hash';

describe('task hash', () => {
  const task = newTask(
    {
      id: 't-1',
      task_name: 'mail',
      task_type: 'email',
      payload: { to: 'ada' },
      scheduled_time: '2026-12-01T09:30:00.250Z',
    },
    Date.UTC(2026, 10, 22, 12),
  );

  it('reads back what it wrote', () => {
    expect(taskFromHash(taskToHash(task))).toEqual(task);
  });

  it('reads the result and progress a handler left', () => {
    const read = taskFromHash({ ...taskToHash(task), result: '{"sent":true}', progress: '40' });
    expect(read).toMatchObject({ result: { sent: true }, progress: 40 });
  });

  it('reads runs as ISO times, leaving out entries that are not runs', () => {
    const at = Date.UTC(2026, 11, 1, 9, 30);
    const runs = [
      { attempt: 1, consumer: 'c-1', started: at, finished: at + 50, outcome: 'failed', error: 'boom' },
      { attempt: 2, consumer: null, started: null, finished: at + 90, outcome: 'lost', error: null },
      { attempt: 3, finished: 'soon', outcome: 'ok' },
      { attempt: 4, finished: at, outcome: 'exploded' },
      'not a run',
    ];
    expect(taskFromHash({ ...taskToHash(task), runs: JSON.stringify(runs) }).runs).toEqual([
      {
        attempt: 1,
        consumer: 'c-1',
        started_time: '2026-12-01T09:30:00.000Z',
        finished_time: '2026-12-01T09:30:00.050Z',
        outcome: 'failed',
        error: 'boom',
      },
      {
        attempt: 2,
        consumer: null,
        started_time: null,
        finished_time: '2026-12-01T09:30:00.090Z',
        outcome: 'lost',
        error: null,
      },
    ]);
    expect(() => taskFromHash({ ...taskToHash(task), runs: '{}' })).toThrow(/runs is not a list/);
  });

  it('refuses what it cannot read as a corrupt task, naming the field', () => {
    const hash = taskToHash(task);
    expect(() => taskFromHash({ ...hash, status: 'lost' })).toThrow(CorruptTaskError);
    expect(() => taskFromHash({ ...hash, payload: '{' })).toThrow(/payload is not JSON/);
    expect(() => taskFromHash({ ...hash, result: '{' })).toThrow(/result is not JSON/);
    expect(() => taskFromHash({ ...hash, priority: '1.5' })).toThrow(/priority is not an integer/);
    expect(() => taskFromHash({ ...hash, created_time: 'yesterday' })).toThrow(/created_time is not a time/);
    // Past what Date can hold, toISOString would throw a RangeError instead.
    expect(() => taskFromHash({ ...hash, scheduled_time: '1e16' })).toThrow(/scheduled_time is not a time/);
  });

  it('formats times like toISOString, also when it has seen them before', () => {
    for (const ms of [0, Date.UTC(2026, 1, 28, 23, 59, 59, 999), Date.UTC(2026, 1, 28, 23, 59, 59, 999), -1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
