import { QUEUE_NAME_PATTERN } from '@app/common';
import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

export interface Delivery {
  delivery_id: string;
  queue: string;
  /** The task as the broker sent it; ConsumerPool checks its id and task_type. */
  task: Record<string, unknown>;
}

export interface DeliveryBatch {
  deliveries: Delivery[];
}

export const MAX_DELIVERIES = 10_000;
const MAX_DELIVERY_ID = 256;
/** Enough errors to find the fault by; a batch of bad deliveries need not list them all. */
const MAX_REPORTED_ERRORS = 50;
const DELIVERY_FIELDS = new Set(['delivery_id', 'queue', 'task']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a delivery batch as it came off the wire, with the rules of DeliveryBatchDto (which
 * documents it in Swagger): the broker is another service, so its body is untrusted. Written by
 * hand because class-validator's per-item ValidateNested, and class-transformer's copy of every
 * task, cost more than buffering the batch. Returns the problems, each naming its field and index.
 */
export function deliveryBatchProblems(body: unknown): string[] {
  if (!isPlainObject(body)) return ['the body must be a JSON object {deliveries: [...]}'];
  const problems: string[] = [];
  for (const key in body) if (key !== 'deliveries') problems.push(`property ${key} should not exist`);
  const deliveries = body.deliveries;
  if (!Array.isArray(deliveries)) return [...problems, 'deliveries must be an array'];
  if (deliveries.length > MAX_DELIVERIES) return [...problems, `deliveries must contain no more than ${MAX_DELIVERIES} elements`];
  for (let i = 0; i < deliveries.length && problems.length < MAX_REPORTED_ERRORS; i++) {
    const delivery: unknown = deliveries[i];
    if (!isPlainObject(delivery)) {
      problems.push(`deliveries[${i}] must be an object`);
      continue;
    }
    const { delivery_id: id, queue, task } = delivery;
    if (typeof id !== 'string') problems.push(`deliveries[${i}].delivery_id must be a string`);
    else if (id.length > MAX_DELIVERY_ID) problems.push(`deliveries[${i}].delivery_id must be at most ${MAX_DELIVERY_ID} characters`);
    if (typeof queue !== 'string' || !QUEUE_NAME_PATTERN.test(queue)) problems.push(`deliveries[${i}].queue must match ${QUEUE_NAME_PATTERN}`);
    if (!isPlainObject(task)) problems.push(`deliveries[${i}].task must be an object`);
    for (const key in delivery) if (!DELIVERY_FIELDS.has(key)) problems.push(`deliveries[${i}].${key} should not exist`);
  }
  return problems.slice(0, MAX_REPORTED_ERRORS);
}

/** POST /deliveries body check; a param pipe, since the global ValidationPipe skips a non-class param type. */
@Injectable()
export class DeliveryBatchPipe implements PipeTransform<unknown, DeliveryBatch> {
  transform(value: unknown): DeliveryBatch {
    const problems = deliveryBatchProblems(value);
    if (problems.length) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
    return value as DeliveryBatch;
  }
}
