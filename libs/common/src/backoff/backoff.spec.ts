import { backoffDelay } from './backoff';

const policy = { baseMs: 100, factor: 2, capMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles the nominal delay per retry', () => {
    const max = (retry: number) => backoffDelay(retry, policy, () => 0.999999);
    expect([1, 2, 3, 4].map(max)).toEqual([100, 200, 400, 800]);
  });

  it('never goes below half nor above the nominal delay', () => {
    for (let retry = 1; retry <= 20; retry++) {
      const nominal = Math.min(policy.capMs, 100 * 2 ** (retry - 1));
      for (const r of [0, 0.25, 0.5, 0.999999]) {
        const delay = backoffDelay(retry, policy, () => r);
        expect(delay).toBeGreaterThanOrEqual(nominal / 2);
        expect(delay).toBeLessThanOrEqual(nominal);
      }
    }
  });

  it('is capped', () => {
    expect(backoffDelay(40, policy, () => 0.999999)).toBe(10_000);
    expect(backoffDelay(40, policy, () => 0)).toBe(5_000);
  });

  it('spreads real random delays across the window', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
