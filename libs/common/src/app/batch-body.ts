import { BadRequestException } from '@nestjs/common';

/** Enough errors to find the fault by; a batch of thousands of bad items need not list them all. */
/** Enough errors to fix a request by: a body with 1,000 bad items, or 10,000 unknown keys, need not list them all. */
export const MAX_REPORTED_ERRORS = 50;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A `{<field>: [item, ...]}` body, as the services post to each other. */
export interface BatchShape {
  /** The body's one property, holding the array. */
  field: string;
  maxItems: number;
  /** The properties an item may have. */
  itemFields: ReadonlySet<string>;
  /** The problems of one item, each starting with `at` (`acks[3]`). */
  itemProblems(item: Record<string, unknown>, at: string): string[];
}

/**
 * Checks a batch body by hand: for the hot service-to-service endpoints, where class-validator's
 * per-item ValidateNested cost more than handling the batch. The body is still untrusted, so every
 * problem is named with its field and index, as the ValidationPipe would; none when it is valid.
 */
export function batchBodyProblems(body: unknown, shape: BatchShape): string[] {
  const { field } = shape;
  if (!isPlainObject(body)) return [`the body must be a JSON object {${field}: [...]}`];
  const problems: string[] = [];
  for (const key in body) if (key !== field) problems.push(`property ${key} should not exist`);
  const items = body[field];
  if (!Array.isArray(items)) return [...problems, `${field} must be an array`];
  if (items.length > shape.maxItems)
    return [...problems, `${field} must contain no more than ${shape.maxItems} elements`];
  for (let i = 0; i < items.length && problems.length < MAX_REPORTED_ERRORS; i++) {
    const item: unknown = items[i];
    const at = `${field}[${i}]`;
    if (!isPlainObject(item)) {
      problems.push(`${at} must be an object`);
      continue;
    }
    problems.push(...shape.itemProblems(item, at));
    for (const key in item) if (!shape.itemFields.has(key)) problems.push(`${at}.${key} should not exist`);
  }
  return problems.slice(0, MAX_REPORTED_ERRORS);
}

/** The body, typed, or a 400 listing its problems. */
export function checkedBatchBody<T>(body: unknown, shape: BatchShape): T {
  const problems = batchBodyProblems(body, shape);
  if (problems.length) throw new BadRequestException({ message: problems });
  return body as T;
}
