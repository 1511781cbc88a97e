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

/** The deepest nesting of objects and arrays in raw JSON, stopping as soon as it passes `max`. */
export function jsonDepthExceeds(raw: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c) i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > max) return true;
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return false;
}

/**
 * A body-parser `verify` that refuses bytes that are not UTF-8 (they would be silently replaced
 * by U+FFFD and stored mangled) and nesting deeper than `maxDepth` (recursive code downstream
 * overflows the stack on such bodies), before any parsing.
 */
export function jsonBodyVerifier(maxDepth: number) {
  return (_req: IncomingMessage, _res: unknown, raw: Buffer): void => {
    if (!isUtf8(raw)) throw new BadJsonBodyError('the body is not valid UTF-8');
    if (jsonDepthExceeds(raw, maxDepth)) throw new BadJsonBodyError(`the body is nested deeper than ${maxDepth} levels`);
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
