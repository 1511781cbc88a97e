import { createHmac } from 'node:crypto';
import { parseSigningKeys, signatureProblem, signDelivery } from './delivery-signature';

const key = 'k'.repeat(40);
const old = 'o'.repeat(40);
const body = Buffer.from('{"deliveries":[]}');
const now = 1_800_000_000_000;

describe('delivery signatures', () => {
  it('is v1= HMAC-SHA256(key, timestamp + "." + body) in hex, as a consumer in any language computes it', () => {
    const expected = createHmac('sha256', key).update(`${now}.{"deliveries":[]}`).digest('hex');
    expect(signDelivery(key, String(now), body)).toBe(`v1=${expected}`);
  });

  it('takes a signature by any of the keys, so keys rotate', () => {
    expect(signatureProblem([key, old], String(now), signDelivery(old, String(now), body), body, now)).toBeUndefined();
    expect(signatureProblem([key], String(now), signDelivery(old, String(now), body), body, now)).toBe(
      'x-tq-signature does not match the body',
    );
  });

  it('refuses other bytes, another timestamp, missing headers and a timestamp more than 5 minutes off', () => {
    const signature = signDelivery(key, String(now), body);
    expect(signatureProblem([key], String(now), signature, Buffer.from('{"deliveries": []}'), now)).toMatch(
      /does not match/,
    );
    expect(signatureProblem([key], String(now + 1), signature, body, now)).toMatch(/does not match/);
    expect(signatureProblem([key], undefined, signature, body, now)).toMatch(/must carry/);
    expect(signatureProblem([key], String(now), undefined, body, now)).toMatch(/must carry/);
    expect(signatureProblem([key], String(now), 'v1=zz', body, now)).toMatch(/64 hex/);
    const stale = String(now - 5 * 60_000 - 1);
    expect(signatureProblem([key], stale, signDelivery(key, stale, body), body, now)).toMatch(
      /more than 5 minutes off/,
    );
    const ahead = String(now + 5 * 60_000 + 1);
    expect(signatureProblem([key], ahead, signDelivery(key, ahead, body), body, now)).toMatch(
      /more than 5 minutes off/,
    );
  });

  it('reads DELIVERY_SIGNING_KEYS, naming a bad key by its place only', () => {
    expect(parseSigningKeys(undefined)).toBeUndefined();
    expect(parseSigningKeys(` ${key} , ${old}`)).toEqual([key, old]);
    expect(() => parseSigningKeys(`${key},short`)).toThrow('DELIVERY_SIGNING_KEYS key 2 must be 32..256 characters');
  });
});
