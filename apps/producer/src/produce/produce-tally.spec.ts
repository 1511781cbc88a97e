import { MetricsRegistry } from '@app/common';
import { ProduceTally } from './produce-tally';
import { ProducerMetrics } from './producer-metrics';

const newTally = () => new ProduceTally(new ProducerMetrics(new MetricsRegistry()));

describe('ProduceTally', () => {
  it('groups reasons and counts tasks per reason, most frequent first', () => {
    const tally = newTally();
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
    const tally = newTally();
    for (let i = 0; i < 60; i++) tally.reject(1, `400: [${i}].task_name is bad`);
    const reasons = tally.summary(1).rejected_reasons;
    expect(Object.keys(reasons)).toHaveLength(51);
    expect(reasons['(other reasons)']).toBe(10);
  });

  it('computes the rate from accepted tasks and elapsed time', () => {
    const tally = newTally();
    tally.accepted = 500;
    expect(tally.summary(250).tasks_per_second).toBe(2000);
    expect(tally.summary(0).tasks_per_second).toBe(0);
  });

  it("moves the producer's counters with the run's outcomes", async () => {
    const registry = new MetricsRegistry();
    const tally = new ProduceTally(new ProducerMetrics(registry));
    tally.send(10);
    tally.accept(6, 6);
    tally.retry(3, true);
    tally.retry(1, false);
    tally.reject(2, '422: no queue');
    tally.fail(2, 'ECONNREFUSED');
    const text = await registry.render();
    expect(text).toMatch(/^tq_producer_produced_total 10$/m);
    expect(text).toMatch(/^tq_producer_accepted_total 6$/m);
    expect(text).toMatch(/^tq_producer_rejected_total 2$/m);
    expect(text).toMatch(/^tq_producer_failed_total 2$/m);
    expect(text).toMatch(/^tq_producer_retried_total\{reason="busy"\} 3$/m);
    expect(text).toMatch(/^tq_producer_retried_total\{reason="error"\} 1$/m);
    expect(tally.summary(1)).toMatchObject({
      sent: 10,
      accepted: 6,
      accepted_ids: 6,
      retried_after_503: 3,
      retried_after_error: 1,
    });
  });
});
