export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Growth per retry. */
  factor: number;
  /** Upper bound of any delay, ms. */
  capMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed and half random, so
 * retries spread out yet never come back sooner than half the nominal delay.
 * `retry` counts from 1; `random` returns [0, 1) and is injectable for tests.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, retry - 1);
  const nominal = Math.min(policy.capMs, policy.baseMs * Math.pow(policy.factor, exponent));
  const half = nominal / 2;
  return Math.round(half + random() * half);
}
