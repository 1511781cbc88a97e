import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

export interface Ack {
  delivery_id: string;
  ok: boolean;
  error?: string;
}

export interface AckBatch {
  acks: Ack[];
}

export const MAX_ACKS = 10_000;
const MAX_DELIVERY_ID = 256;
const MAX_ERROR = 2_000;
/** Enough errors to find the fault by; a batch of 10,000 bad acks need not list them all. */
const MAX_REPORTED_ERRORS = 50;
const ACK_FIELDS = new Set(['delivery_id', 'ok', 'error']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks an ack batch as it came off the wire, with the rules of AckBatchDto (which documents it
 * in Swagger): a consumer is another service, so its body is untrusted. Written by hand because
 * class-validator's per-item ValidateNested cost more than the rest of the ack's handling.
 * Returns the problems, each naming its field and index; none when the batch is valid.
 */
export function ackBatchProblems(body: unknown): string[] {
  if (!isPlainObject(body)) return ['the body must be a JSON object {acks: [...]}'];
  const problems: string[] = [];
  for (const key in body) if (key !== 'acks') problems.push(`property ${key} should not exist`);
  const acks = body.acks;
  if (!Array.isArray(acks)) return [...problems, 'acks must be an array'];
  if (acks.length > MAX_ACKS) return [...problems, `acks must contain no more than ${MAX_ACKS} elements`];
  for (let i = 0; i < acks.length && problems.length < MAX_REPORTED_ERRORS; i++) {
    const ack: unknown = acks[i];
    if (!isPlainObject(ack)) {
      problems.push(`acks[${i}] must be an object`);
      continue;
    }
    const { delivery_id: id, ok, error } = ack;
    if (typeof id !== 'string') problems.push(`acks[${i}].delivery_id must be a string`);
    else if (id.length > MAX_DELIVERY_ID) problems.push(`acks[${i}].delivery_id must be at most ${MAX_DELIVERY_ID} characters`);
    if (typeof ok !== 'boolean') problems.push(`acks[${i}].ok must be a boolean`);
    if (error !== undefined && error !== null) {
      if (typeof error !== 'string') problems.push(`acks[${i}].error must be a string`);
      else if (error.length > MAX_ERROR) problems.push(`acks[${i}].error must be at most ${MAX_ERROR} characters`);
    }
    for (const key in ack) if (!ACK_FIELDS.has(key)) problems.push(`acks[${i}].${key} should not exist`);
  }
  return problems.slice(0, MAX_REPORTED_ERRORS);
}

/** POST /acks body check; a param pipe, since the global ValidationPipe skips a non-class param type. */
@Injectable()
export class AckBatchPipe implements PipeTransform<unknown, AckBatch> {
  transform(value: unknown): AckBatch {
    const problems = ackBatchProblems(value);
    if (problems.length) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
    return value as AckBatch;
  }
}
