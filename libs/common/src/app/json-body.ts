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
  /** Bytes of one item of an array body (a bulk request's task, held to a single request's cap); unbounded when absent. */
  maxItemBytes?: number;
}

/**
 * Keys one object of a body may have, and all of them together: more than a valid body could need, and what
 * class-transformer walks in well under a second.
 */
export const MAX_KEYS_PER_OBJECT = 10_000;
export const MAX_KEYS = 100_000;

/**
 * What is wrong with raw JSON's shape (nesting, keys per object, keys in all), or undefined, in
 * one pass over the bytes that stops at the first excess: a 400,000-key body costs a scan, not a parse.
 * A body that is an array (a bulk request) is held to the limits item by item, as each item would
 * be on its own, and a refusal names the item by its index.
 */
export function jsonShapeProblem(raw: Buffer, limits: JsonShapeLimits): string | undefined {
  const { maxDepth, maxKeysPerObject = Infinity, maxKeys = Infinity, maxItemBytes = Infinity } = limits;
  // Per open container: its key count, or -1 for an array.
  const open: number[] = [];
  let keys = 0;
  let inString = false;
  let item = 0;
  // Where the current item of an array body starts (just past its `[` or `,`).
  let itemStart = 0;
  const itemTooBig = (end: number) =>
    end - itemStart > maxItemBytes
      ? `[${item}] the item is ${end - itemStart} bytes, over the ${maxItemBytes} a single request may be`
      : undefined;
  const inItem = () => open[0] === -1 && open.length > 1;
  // "[2] the item" in an array body, "the body" otherwise.
  const prefix = () => (inItem() ? `[${item}] ` : '');
  const noun = () => (inItem() ? 'the item' : 'the body');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      open.push(byte === 0x7b ? 0 : -1);
      if (open.length === 1) itemStart = i + 1;
      if (open.length - (inItem() ? 1 : 0) > maxDepth)
        return `${prefix()}${noun()} is nested deeper than ${maxDepth} levels`;
    } else if (byte === 0x7d || byte === 0x5d) {
      if (open.length === 1 && open[0] === -1) {
        const tooBig = itemTooBig(i);
        if (tooBig) return tooBig;
      }
      open.pop();
    } else if (byte === 0x2c && open.length === 1 && open[0] === -1) {
      const tooBig = itemTooBig(i);
      if (tooBig) return tooBig;
      item++;
      itemStart = i + 1;
    } else if (byte === 0x3a && open.length > 0) {
      // A colon outside a string follows a key.
      if (++open[open.length - 1] > maxKeysPerObject)
        return `${prefix()}an object in ${noun()} has more than ${maxKeysPerObject} keys`;
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
    // Only a body that could spell a forbidden key (literally, or with \u escapes) or an unpaired
    // surrogate (only a \u escape can) pays for a parse and a walk here.
    if (!SUSPICIOUS.some((pattern) => raw.includes(pattern))) return;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return; // not JSON: the parser answers that itself
    }
    const problem = Array.isArray(body)
      ? body.map((item, index) => unsafeJsonProblem(item, `[${index}] `)).find(Boolean)
      : unsafeJsonProblem(body, '');
    if (problem) throw new BadJsonBodyError(problem);
  };
}

const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

const SURROGATE_PROBLEM = 'holds a string with an unpaired UTF-16 surrogate (\\ud800-\\udfff)';

/**
 * A prototype-polluting key (refused rather than stripped silently), or a string with an unpaired
 * UTF-16 surrogate (`"\ud800"`), which has no UTF-8 form: written to Redis it would become U+FFFD,
 * and Redis's cjson refuses it. `prefix` names the bulk item. The shape check has bounded the
 * depth, so the recursion is too.
 */
function unsafeJsonProblem(value: unknown, prefix: string): string | undefined {
  const surrogate = `${prefix}${prefix ? 'the item' : 'the body'} ${SURROGATE_PROBLEM}`;
  if (typeof value === 'string') return isWellFormed(value) ? undefined : surrogate;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `${prefix}the key "${key}" is not allowed in a body`;
    if (!isWellFormed(key)) return surrogate;
    const problem = unsafeJsonProblem(inner, prefix);
    if (problem) return problem;
  }
  return undefined;
}
