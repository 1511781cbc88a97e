import { BatchShape, batchBodyProblems, checkedBatchBody } from '@app/common';
import { Injectable, PipeTransform } from '@nestjs/common';

export interface Ack {
  delivery_id: string;
  ok: boolean;
  /**
   * How a failed run ended (default failed), recorded in the task's runs; `lost` (its consumer shut down) does not
   * count the attempt.
   */
  outcome?: (typeof ACK_OUTCOMES)[number];
  error?: string;
  /**
   * The handler's result (any JSON), from a consumer that stores nothing itself: the broker stores
   * the task with it. Present (null when the handler returned nothing) means the handler ran.
   */
  result?: unknown;
}

/** How a failed run may end, as a consumer reports it (AckDto documents the same list). */
export const ACK_OUTCOMES = ['failed', 'timed_out', 'lost'] as const;

export interface AckBatch {
  acks: Ack[];
}

export const MAX_ACKS = 10_000;
const MAX_DELIVERY_ID = 256;
const MAX_ERROR = 2_000;

/** The rules of AckBatchDto (which documents the body in Swagger), checked by hand. */
const ACK_BATCH: BatchShape = {
  field: 'acks',
  maxItems: MAX_ACKS,
  itemFields: new Set(['delivery_id', 'ok', 'outcome', 'error', 'result']),
  itemProblems({ delivery_id: id, ok, outcome, error, result }, at) {
    const problems: string[] = [];
    if (typeof id !== 'string') problems.push(`${at}.delivery_id must be a string`);
    else if (id.length > MAX_DELIVERY_ID)
      problems.push(`${at}.delivery_id must be at most ${MAX_DELIVERY_ID} characters`);
    if (typeof ok !== 'boolean') problems.push(`${at}.ok must be a boolean`);
    if (outcome !== undefined && !(ACK_OUTCOMES as readonly unknown[]).includes(outcome))
      problems.push(`${at}.outcome must be one of ${ACK_OUTCOMES.join(', ')}`);
    if (error !== undefined && error !== null) {
      if (typeof error !== 'string') problems.push(`${at}.error must be a string`);
      else if (error.length > MAX_ERROR) problems.push(`${at}.error must be at most ${MAX_ERROR} characters`);
    }
    // Its size is checked per ack (DeliveryOutcomes): one oversized result fails its own attempt, not the batch.
    if (result !== undefined && ok !== true) problems.push(`${at}.result is only for an ok ack`);
    return problems;
  },
};

export const ackBatchProblems = (body: unknown): string[] => batchBodyProblems(body, ACK_BATCH);

/** POST /acks body check; a param pipe, since the global ValidationPipe skips a non-class param type. */
@Injectable()
export class AckBatchPipe implements PipeTransform<unknown, AckBatch> {
  transform(value: unknown): AckBatch {
    return checkedBatchBody<AckBatch>(value, ACK_BATCH);
  }
}
