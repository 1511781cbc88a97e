import { DELIVERY_TOKEN_LENGTH, deliveryTokens, parseDeliveryId } from './delivery-id';

describe('delivery ids', () => {
  it('reads the queue, attempt and task back', () => {
    expect(parseDeliveryId('mail.v2~3~a:b-c.d_1~AbCdEfGh_-123456')).toEqual({ queue: 'mail.v2', attempt: 3, taskId: 'a:b-c.d_1' });
  });

  it.each(['', 'q~1~id', 'q~x~id~AbCdEfGh_-123456', 'Q~1~id~AbCdEfGh_-123456', 'q~1~id~short', 'q~1~id~AbCdEfGh_-123456~more', `q~1~${'x'.repeat(129)}~AbCdEfGh_-123456`])(
    'rejects "%s"',
    (id) => {
      expect(parseDeliveryId(id)).toBeUndefined();
    },
  );

  it('makes one unguessable token per delivery, each a valid id part', () => {
    const tokens = deliveryTokens(1_000);
    expect(tokens).toHaveLength(1_000 * DELIVERY_TOKEN_LENGTH);
    const cut = Array.from({ length: 1_000 }, (_, i) => tokens.slice(i * DELIVERY_TOKEN_LENGTH, (i + 1) * DELIVERY_TOKEN_LENGTH));
    expect(new Set(cut).size).toBe(1_000);
    for (const token of cut) expect(parseDeliveryId(`q~1~t~${token}`)).toBeDefined();
  });
});
