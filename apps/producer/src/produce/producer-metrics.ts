import { MetricsRegistry } from '@app/common';
import { Injectable } from '@nestjs/common';

/** Seconds, for one call to the broker: a single task takes a few ms, a bulk of 1,000 up to seconds. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the producer has done since it started, over every run, for GET /metrics. Counters count tasks. */
@Injectable()
export class ProducerMetrics {
  readonly produced;
  readonly accepted;
  readonly rejected;
  readonly failed;
  readonly retried;
  readonly requestDuration;

  constructor(metrics: MetricsRegistry) {
    this.produced = metrics.counter(
      'tq_producer_produced_total',
      'Tasks made and sent to the broker (resends not counted)',
    );
    this.accepted = metrics.counter(
      'tq_producer_accepted_total',
      'Tasks the broker accepted (201, or 200: already known)',
    );
    this.rejected = metrics.counter('tq_producer_rejected_total', 'Tasks the broker refused with a 4xx (not resent)');
    this.failed = metrics.counter(
      'tq_producer_failed_total',
      'Tasks given up on after their retries ran out, or left unsent by a stopped run',
    );
    this.retried = metrics.counter(
      'tq_producer_retried_total',
      'Task resends, by reason: busy (503 or 429 from the broker) or error (network error, timeout or 5xx)',
      ['reason'],
    );
    this.requestDuration = metrics.histogram(
      'tq_producer_request_duration_seconds',
      "Calls to the broker's POST /tasks and /tasks/bulk, " +
        'by route and answer (the status code, or error when none came)',
      REQUEST_BUCKETS,
      ['route', 'code'],
    );
  }
}
