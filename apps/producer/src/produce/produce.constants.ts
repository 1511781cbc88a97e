import type { BackoffPolicy } from '@app/common';
import type { ProducerEnvironment } from '../config/environment';

/** Injection token of the ProducerSettings. */
export const PRODUCER_SETTINGS = Symbol('PRODUCER_SETTINGS');

export interface ProducerSettings {
  brokerUrl: string;
  /** Resends of one request after network errors, timeouts or 5xx before its tasks count as failed. */
  maxErrorRetries: number;
  /** Resends of one request after 503/429 before giving up: backpressure, so allowed far more. */
  maxBusyRetries: number;
  backoff: BackoffPolicy;
}

/** A variable of the producer's environment (the class also carries its cross-field check). */
type ProducerVariable = Exclude<keyof ProducerEnvironment, 'crossProblems'>;

/** The settings the app (from ConfigService) and the CLI (from the validated environment) both use. */
export function producerSettings(env: (key: ProducerVariable) => unknown): ProducerSettings {
  return {
    brokerUrl: String(env('BROKER_URL')).replace(/\/+$/, ''),
    maxErrorRetries: Number(env('SUBMIT_MAX_RETRIES')),
    maxBusyRetries: Number(env('SUBMIT_MAX_BUSY_RETRIES')),
    backoff: {
      baseMs: Number(env('BACKOFF_BASE_MS')),
      factor: Number(env('BACKOFF_FACTOR')),
      capMs: Number(env('BACKOFF_CAP_MS')),
    },
  };
}

/** Tasks per bulk request the broker takes. */
export const MAX_BATCH = 1000;
/** Requests in flight at once, at most; also the size of the keep-alive socket pool. */
export const MAX_CONCURRENCY = 512;
