import { claimSeed, parseDeliveryId } from './delivery-id';

const token = '0123456789abcdef01234567';

describe('delivery ids', () => {
  it('reads the queue, attempt and task back', () => {
    expect(parseDeliveryId(`mail.v2~3~a:b-c.d_1~${token}`)).toEqual({
      queue: 'mail.v2',
      attempt: 3,
      taskId: 'a:b-c.d_1',
    });
  });

  it.each([
    '',
    'q~1~id',
    `q~x~id~${token}`,
    `Q~1~id~${token}`,
    'q~1~id~0123abcd',
    `q~1~id~${token.toUpperCase()}`,
    `q~1~id~${token}~more`,
    `q~1~${'x'.repeat(129)}~${token}`,
  ])('rejects "%s"', (id) => {
    expect(parseDeliveryId(id)).toBeUndefined();
  });

  it('seeds each claim afresh', () => {
    const seeds = new Set(Array.from({ length: 1_000 }, () => claimSeed()));
    expect(seeds.size).toBe(1_000);
    for (const seed of seeds) expect(seed).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
