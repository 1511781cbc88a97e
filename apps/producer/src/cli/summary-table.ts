import type { ProduceSummary } from '../produce/produce-tally';

function row(label: string, value: string): string {
  return `  ${label.padEnd(22)} ${value.padStart(12)}`;
}

function reasons(grouped: Record<string, number>): string[] {
  return Object.entries(grouped).map(
    ([reason, count]) => `      ${count.toLocaleString('en-US').padStart(10)}  ${reason}`,
  );
}

/** The end-of-run summary as a small two-column table, with grouped reasons under their line. */
export function formatSummary(summary: ProduceSummary): string {
  const n = (value: number) => value.toLocaleString('en-US');
  return [
    row('sent', n(summary.sent)),
    row('accepted', n(summary.accepted)),
    row('rejected', n(summary.rejected)),
    ...reasons(summary.rejected_reasons),
    row('failed', n(summary.failed)),
    ...reasons(summary.failed_reasons),
    row('retried after 503', n(summary.retried_after_503)),
    row('retried after error', n(summary.retried_after_error)),
    row('accepted ids', n(summary.accepted_ids)),
    row('requests', n(summary.requests)),
    row('elapsed', `${(summary.ms / 1000).toFixed(2)} s`),
    row('tasks/s', n(summary.tasks_per_second)),
  ].join('\n');
}
