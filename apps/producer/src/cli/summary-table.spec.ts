import { formatSummary } from './summary-table';

describe('formatSummary', () => {
  it('prints one aligned row per figure, reasons under their line', () => {
    const table = formatSummary({
      sent: 10_000,
      accepted: 9_990,
      rejected: 10,
      rejected_reasons: { '422: no queue is bound to binding key "x"': 10 },
      failed: 0,
      failed_reasons: {},
      retried_after_503: 3,
      retried_after_error: 1,
      accepted_ids: 9_990,
      requests: 104,
      ms: 1_234,
      tasks_per_second: 8_096,
    });
    const lines = table.split('\n');
    expect(lines[0]).toBe('  sent                         10,000');
    expect(lines[2]).toBe('  rejected                         10');
    expect(lines[3]).toBe('              10  422: no queue is bound to binding key "x"');
    expect(lines).toContain('  elapsed                      1.23 s');
    expect(lines[lines.length - 1]).toBe('  tasks/s                       8,096');
  });
});
