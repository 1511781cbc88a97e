import { ProduceTally } from './produce-tally';

describe('ProduceTally', () => {
  it('groups reasons and counts tasks per reason, most frequent first', () => {
    const tally = new ProduceTally();
    tally.reject(1, '400: task_type must match [a-z0-9_.-]{1,64}');
    tally.reject(100, '422: no queue is bound to binding key "x"');
    tally.reject(1, '400: task_type must match [a-z0-9_.-]{1,64}');
    tally.fail(3, 'ECONNREFUSED');
    const summary = tally.summary(1000);
    expect(summary.rejected).toBe(102);
    expect(Object.entries(summary.rejected_reasons)).toEqual([
      ['422: no queue is bound to binding key "x"', 100],
      ['400: task_type must match [a-z0-9_.-]{1,64}', 2],
    ]);
    expect(summary.failed_reasons).toEqual({ ECONNREFUSED: 3 });
    expect(tally.done).toBe(105);
  });

  it('folds reasons beyond the cap into one group', () => {
    const tally = new ProduceTally();
    for (let i = 0; i < 60; i++) tally.reject(1, `400: [${i}].task_name is bad`);
    const reasons = tally.summary(1).rejected_reasons;
    expect(Object.keys(reasons)).toHaveLength(51);
    expect(reasons['(other reasons)']).toBe(10);
  });

  it('computes the rate from accepted tasks and elapsed time', () => {
    const tally = new ProduceTally();
    tally.accepted = 500;
    expect(tally.summary(250).tasks_per_second).toBe(2000);
    expect(tally.summary(0).tasks_per_second).toBe(0);
  });
});
