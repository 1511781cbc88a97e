import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

/** Keys refused anywhere in a body: they reach prototypes when merged into objects. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Byte sequences without which a body cannot hold a forbidden key or an unpaired surrogate. */
const SUSPICIOUS = ['__proto__', 'constructor', 'prototype', '\\u'].map((text) => Buffer.from(text));

export class BadJsonBodyError extends Error {
  // status for body-parser, statusCode so Nest answers it as an HTTP error instead of logging a 500's stack.
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly type = 'entity.verify.failed';

  constructor(message: string) {
    super(message);
    this.name = 'BadJsonBodyError';
  }
}

/** Bounds of a body's shape, checked on its raw bytes before anything parses it. */
export interface JsonShapeLimits {
  maxDepth: number;
  /** Keys of one object; unbounded when absent. */
  maxKeysPerObject?: number;
  /** Keys of every object together; unbounded when absent. */
  maxKeys?: number;
}

/** Keys one object of a body may have, and all of them together: more than a valid body could need, and what class-transformer walks in well under a second. */
export const MAX_KEYS_PER_OBJECT = 10_000;
export const MAX_KEYS = 100_000;

/**
 * What is wrong with raw JSON's shape (nesting, keys per object, keys in all), or undefined, in
 * one pass over the bytes that stops at the first excess: a 400,000-key body costs a scan, not a parse.
 */
export function jsonShapeProblem(raw: Buffer, limits: JsonShapeLimits): string | undefined {
  const { maxDepth, maxKeysPerObject = Infinity, maxKeys = Infinity } = limits;
  // Per open container: its key count, or -1 for an array.
  const open: number[] = [];
  let keys = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      open.push(byte === 0x7b ? 0 : -1);
      if (open.length > maxDepth) return `the body is nested deeper than ${maxDepth} levels`;
    } else if (byte === 0x7d || byte === 0x5d) open.pop();
    else if (byte === 0x3a && open.length > 0) {
      // A colon outside a string follows a key.
      if (++open[open.length - 1] > maxKeysPerObject)
        return `an object in the body has more than ${maxKeysPerObject} keys`;
      if (++keys > maxKeys) return `the body has more than ${maxKeys} keys in all`;
    }
  }
  return undefined;
}

/**
 * A body-parser `verify` that refuses bytes that are not UTF-8 (they would be silently replaced
 * by U+FFFD and stored mangled), nesting deeper than `maxDepth` (recursive code downstream
 * overflows the stack on such bodies) and more keys than the limits allow, before any parsing.
 */
export function jsonBodyVerifier(maxDepth: number, keyLimits: Omit<JsonShapeLimits, 'maxDepth'> = {}) {
  return (
    _req: IncomingMessage,
    _res: unknown,
    raw: Buffer,
    limits: Omit<JsonShapeLimits, 'maxDepth'> = keyLimits,
  ): void => {
    if (!isUtf8(raw)) throw new BadJsonBodyError('the body is not valid UTF-8');
    const shape = jsonShapeProblem(raw, { maxDepth, ...limits });
    if (shape) throw new BadJsonBodyError(shape);
    // A reviver on every parse triples its cost; only a body that could spell a forbidden key
    // (literally, or with \u escapes) or an unpaired surrogate (only a \u escape can) pays for the checked parse.
    if (SUSPICIOUS.some((pattern) => raw.includes(pattern))) JSON.parse(raw.toString('utf8'), rejectUnsafeJson);
  };
}

const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * JSON.parse reviver: refuses prototype-polluting keys instead of letting them be stripped
 * silently, and strings with an unpaired UTF-16 surrogate (`"\ud800"`), which have no UTF-8 form:
 * written to Redis they would become U+FFFD, and Redis's cjson refuses them.
 */
export function rejectUnsafeJson(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new BadJsonBodyError(`the key "${key}" is not allowed in a body`);
  if (!isWellFormed(key) || (typeof value === 'string' && !isWellFormed(value))) {
    throw new BadJsonBodyError('the body holds a string with an unpaired UTF-16 surrogate (\\ud800-\\udfff)');
  }
  return value;
}
