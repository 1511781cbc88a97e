import type { ProducerMetrics } from './producer-metrics';

/** What one run of the producer did; tasks are counted, not requests, except `requests`. */
export interface ProduceSummary {
  /** Tasks sent at least once. */
  sent: number;
  /** Tasks the broker answered 201 (or 200: the id already existed) for. */
  accepted: number;
  /** Tasks the broker refused with a 4xx; a bulk refusal counts every task of the batch. */
  rejected: number;
  rejected_reasons: Record<string, number>;
  /** Tasks given up on after the retries ran out (or the run was stopped). */
  failed: number;
  failed_reasons: Record<string, number>;
  /** Task resends after a 503/429 with Retry-After. */
  retried_after_503: number;
  /** Task resends after a network error, a timeout or a 5xx. */
  retried_after_error: number;
  /** Task ids the broker's answers carried; equals accepted unless an answer was short. */
  accepted_ids: number;
  requests: number;
  ms: number;
  tasks_per_second: number;
}

/** Distinct reasons kept per group; the rest are folded into one, since a message may name an index. */
const MAX_REASONS = 50;
const OTHER = '(other reasons)';

function addReason(reasons: Map<string, number>, reason: string, count: number): void {
  const key = reasons.has(reason) || reasons.size < MAX_REASONS ? reason : OTHER;
  reasons.set(key, (reasons.get(key) ?? 0) + count);
}

/** Most frequent first. */
function byCount(reasons: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1]));
}

/** Counts outcomes as the requests of a run finish, for the run's summary and the producer's metrics. */
export class ProduceTally {
  sent = 0;
  accepted = 0;
  rejected = 0;
  failed = 0;
  retriedAfter503 = 0;
  retriedAfterError = 0;
  acceptedIds = 0;
  requests = 0;
  private readonly rejectedReasons = new Map<string, number>();
  private readonly failedReasons = new Map<string, number>();

  constructor(private readonly metrics: ProducerMetrics) {}

  /** Tasks that reached an outcome. */
  get done(): number {
    return this.accepted + this.rejected + this.failed;
  }

  send(count: number): void {
    this.sent += count;
    this.metrics.produced.inc(count);
  }

  /** `ids`: how many task ids the broker's answer carried. */
  accept(count: number, ids: number): void {
    this.accepted += count;
    this.acceptedIds += ids;
    this.metrics.accepted.inc(count);
  }

  /** `busy`: the broker answered 503 or 429; else the request failed or got a 5xx. */
  retry(count: number, busy: boolean): void {
    if (busy) this.retriedAfter503 += count;
    else this.retriedAfterError += count;
    this.metrics.retried.inc({ reason: busy ? 'busy' : 'error' }, count);
  }

  reject(count: number, reason: string): void {
    this.rejected += count;
    addReason(this.rejectedReasons, reason, count);
    this.metrics.rejected.inc(count);
  }

  fail(count: number, reason: string): void {
    this.failed += count;
    addReason(this.failedReasons, reason, count);
    this.metrics.failed.inc(count);
  }

  summary(ms: number): ProduceSummary {
    return {
      sent: this.sent,
      accepted: this.accepted,
      rejected: this.rejected,
      rejected_reasons: byCount(this.rejectedReasons),
      failed: this.failed,
      failed_reasons: byCount(this.failedReasons),
      retried_after_503: this.retriedAfter503,
      retried_after_error: this.retriedAfterError,
      accepted_ids: this.acceptedIds,
      requests: this.requests,
      ms: Math.round(ms),
      tasks_per_second: ms > 0 ? Math.round((this.accepted * 1000) / ms) : 0,
    };
  }
}
