import { taskAt, TaskTemplate } from './task-template';

const start = Date.parse('2030-01-01T00:00:00.000Z');

describe('taskAt', () => {
  it('copies only the fields given, so the broker applies its defaults', () => {
    expect(taskAt({ task_name: 'n', task_type: 'email' }, 0, 1, start, 'id-0')).toEqual({
      id: 'id-0',
      task_name: 'n',
      task_type: 'email',
    });
  });

  it('copies every template field', () => {
    const template: TaskTemplate = {
      task_name: 'n',
      task_type: 'email',
      binding_key: 'mail',
      priority: 7,
      payload: { to: 'ada' },
      scheduled_time: '2030-02-01T00:00:00.000Z',
      periodicity: 'daily',
      max_retries: 2,
    };
    const { id, ...rest } = taskAt(template, 3, 10, start, 'x');
    expect(id).toBe('x');
    expect(rest).toEqual(template);
  });

  it('spreads types round-robin over the list', () => {
    const template = { task_name: 'n', task_type: 'ignored', task_types: ['a', 'b', 'c'] };
    const types = [0, 1, 2, 3, 4].map((i) => taskAt(template, i, 5, start, `${i}`).task_type);
    expect(types).toEqual(['a', 'b', 'c', 'a', 'b']);
  });

  it('spreads priorities evenly over the inclusive range', () => {
    const template = { task_name: 'n', task_type: 't', priority: 0, priority_range: [3, 5] };
    const priorities = [0, 1, 2, 3, 4, 5].map((i) => taskAt(template, i, 6, start, `${i}`).priority);
    expect(priorities).toEqual([3, 4, 5, 3, 4, 5]);
  });

  it('spreads scheduled times over the window from the start', () => {
    const template = { task_name: 'n', task_type: 't', schedule_spread_seconds: 60 };
    const times = [0, 1, 2, 3].map((i) => taskAt(template, i, 4, start, `${i}`).scheduled_time);
    expect(times).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2030-01-01T00:00:15.000Z',
      '2030-01-01T00:00:30.000Z',
      '2030-01-01T00:00:45.000Z',
    ]);
  });

  it('spreads scheduled times from the template time when one is given', () => {
    const template = {
      task_name: 'n',
      task_type: 't',
      scheduled_time: '2031-01-01T00:00:00Z',
      schedule_spread_seconds: 10,
    };
    expect(taskAt(template, 1, 2, start, 'i').scheduled_time).toBe('2031-01-01T00:00:05.000Z');
  });
});
