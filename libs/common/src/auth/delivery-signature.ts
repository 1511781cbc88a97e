import { createHmac, timingSafeEqual } from 'node:crypto';
import { SECRET_PATTERN } from './api-keys';

/**
 * The headers of a signed push: milliseconds since the epoch, and `v1=<hex>` of HMAC-SHA256(key, timestamp + "." +
 * body).
 */
export const TIMESTAMP_HEADER = 'x-tq-timestamp';
export const SIGNATURE_HEADER = 'x-tq-signature';
/** How far a push's timestamp may be from the consumer's clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/**
 * DELIVERY_SIGNING_KEYS: comma-separated, the current one first; undefined when unset. Throws naming the problem, never
 * a key.
 */
export function parseSigningKeys(spec: string | undefined): string[] | undefined {
  if (spec === undefined || spec.trim() === '') return undefined;
  const keys = spec.split(',').map((key) => key.trim());
  keys.forEach((key, i) => {
    if (!SECRET_PATTERN.test(key))
      throw new Error(`DELIVERY_SIGNING_KEYS key ${i + 1} must be 32..256 characters of A-Z a-z 0-9 . _ ~ -`);
  });
  return keys;
}

export function signDelivery(key: string, timestamp: string, body: Buffer): string {
  return `v1=${createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * Why a push is refused, or undefined when one of the keys signed exactly these bytes at a time
 * within SIGNATURE_TOLERANCE_MS of now. Every key is tried, in constant time per key.
 */
export function signatureProblem(
  keys: readonly string[],
  timestamp: unknown,
  signature: unknown,
  body: Buffer | undefined,
  nowMs: number,
): string | undefined {
  const headersProblem = signatureHeadersProblem(timestamp, signature, nowMs);
  if (headersProblem) return headersProblem;
  const presented = Buffer.from(String(signature));
  let matched = false;
  for (const key of keys) {
    const expected = Buffer.from(signDelivery(key, String(timestamp), body ?? Buffer.alloc(0)));
    if (expected.length === presented.length && timingSafeEqual(expected, presented)) matched = true;
  }
  return matched ? undefined : `${SIGNATURE_HEADER} does not match the body`;
}

/** The checks that need no body: both headers there, well formed, the timestamp fresh. */
export function signatureHeadersProblem(timestamp: unknown, signature: unknown, nowMs: number): string | undefined {
  if (typeof timestamp !== 'string' || typeof signature !== 'string')
    return `a push must carry ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}`;
  if (!/^\d{1,16}$/.test(timestamp)) return `${TIMESTAMP_HEADER} must be milliseconds since the epoch`;
  if (Math.abs(nowMs - Number(timestamp)) > SIGNATURE_TOLERANCE_MS)
    return `${TIMESTAMP_HEADER} is more than ${SIGNATURE_TOLERANCE_MS / 60_000} minutes off`;
  if (!/^v1=[0-9a-f]{64}$/.test(signature)) return `${SIGNATURE_HEADER} must be v1=<64 hex digits>`;
  return undefined;
}
