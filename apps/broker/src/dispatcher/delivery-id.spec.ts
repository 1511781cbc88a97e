import { deliveryId, parseDeliveryId } from './delivery-id';

describe('delivery ids', () => {
  it('round-trip', () => {
    const ref = { queue: 'mail.v2', attempt: 3, taskId: 'a:b-c.d_1' };
    expect(parseDeliveryId(deliveryId(ref))).toEqual(ref);
  });

  it.each(['', 'q~1', 'q~x~id', 'Q~1~id', 'q~1~id~more', 'q~1~' + 'x'.repeat(129)])('rejects "%s"', (id) => {
    expect(parseDeliveryId(id)).toBeUndefined();
  });
});
