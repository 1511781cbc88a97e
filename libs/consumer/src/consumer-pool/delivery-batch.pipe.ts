import { BatchShape, batchBodyProblems, checkedBatchBody, isPlainObject, QUEUE_NAME_PATTERN } from '@app/common';
import { Injectable, PipeTransform } from '@nestjs/common';

export interface Delivery {
  delivery_id: string;
  queue: string;
  /** The task as the broker sent it; ConsumerPool checks its id and task_type. */
  task: Record<string, unknown>;
  /**
   * Run the handler now (true) or store the task to await its time (false); absent: due if a once task's time has come.
   */
  due?: boolean;
  /** How long the broker leases the delivery (ms); extend it while holding it. */
  lease_ms?: number;
}

export interface DeliveryBatch {
  deliveries: Delivery[];
}

export const MAX_DELIVERIES = 10_000;
const MAX_DELIVERY_ID = 256;

/** The rules of DeliveryBatchDto (which documents the body in Swagger), checked by hand. */
const DELIVERY_BATCH: BatchShape = {
  field: 'deliveries',
  maxItems: MAX_DELIVERIES,
  itemFields: new Set(['delivery_id', 'queue', 'task', 'due', 'lease_ms']),
  itemProblems({ delivery_id: id, queue, task, due, lease_ms }, at) {
    const problems: string[] = [];
    if (typeof id !== 'string') problems.push(`${at}.delivery_id must be a string`);
    else if (id.length > MAX_DELIVERY_ID)
      problems.push(`${at}.delivery_id must be at most ${MAX_DELIVERY_ID} characters`);
    if (typeof queue !== 'string' || !QUEUE_NAME_PATTERN.test(queue))
      problems.push(`${at}.queue must match ${QUEUE_NAME_PATTERN}`);
    if (!isPlainObject(task)) problems.push(`${at}.task must be an object`);
    if (due !== undefined && typeof due !== 'boolean') problems.push(`${at}.due must be a boolean`);
    if (lease_ms !== undefined && !(Number.isInteger(lease_ms) && (lease_ms as number) >= 1000))
      problems.push(`${at}.lease_ms must be an integer of at least 1000`);
    return problems;
  },
};

export const deliveryBatchProblems = (body: unknown): string[] => batchBodyProblems(body, DELIVERY_BATCH);

/** POST /deliveries body check; a param pipe, since the global ValidationPipe skips a non-class param type. */
@Injectable()
export class DeliveryBatchPipe implements PipeTransform<unknown, DeliveryBatch> {
  transform(value: unknown): DeliveryBatch {
    return checkedBatchBody<DeliveryBatch>(value, DELIVERY_BATCH);
  }
}
