import { BadRequestException } from '@nestjs/common';
import { deliveryBatchProblems, DeliveryBatchPipe, MAX_DELIVERIES } from './delivery-batch.pipe';

const good = { delivery_id: 'email~1~t-1', queue: 'email', task: { id: 't-1', task_type: 'email' } };

describe('deliveryBatchProblems', () => {
  it('accepts a valid batch', () => {
    expect(deliveryBatchProblems({ deliveries: [] })).toEqual([]);
    expect(deliveryBatchProblems({ deliveries: [good, good] })).toEqual([]);
  });

  it('names the bad field and its index', () => {
    expect(deliveryBatchProblems({ deliveries: [good, { ...good, queue: 'BAD queue' }] })).toEqual([
      'deliveries[1].queue must match /^[a-z0-9_.-]{1,64}$/',
    ]);
    expect(deliveryBatchProblems({ deliveries: [{ ...good, delivery_id: 3 }] })).toEqual([
      'deliveries[0].delivery_id must be a string',
    ]);
    expect(deliveryBatchProblems({ deliveries: [{ ...good, delivery_id: 'x'.repeat(257) }] })).toEqual([
      'deliveries[0].delivery_id must be at most 256 characters',
    ]);
    expect(
      deliveryBatchProblems({
        deliveries: [
          { ...good, task: [] },
          { ...good, task: null },
        ],
      }),
    ).toEqual(['deliveries[0].task must be an object', 'deliveries[1].task must be an object']);
    expect(deliveryBatchProblems({ deliveries: ['x'] })).toEqual(['deliveries[0] must be an object']);
  });

  it('checks what the broker says of the delivery: due a boolean, lease_ms an integer of at least a second', () => {
    expect(deliveryBatchProblems({ deliveries: [{ ...good, due: false, lease_ms: 30_000 }] })).toEqual([]);
    expect(deliveryBatchProblems({ deliveries: [{ ...good, due: 'yes', lease_ms: 50 }] })).toEqual([
      'deliveries[0].due must be a boolean',
      'deliveries[0].lease_ms must be an integer of at least 1000',
    ]);
  });

  it('rejects unknown fields and bodies of the wrong shape', () => {
    expect(deliveryBatchProblems({ deliveries: [{ ...good, extra: 1 }] })).toEqual([
      'deliveries[0].extra should not exist',
    ]);
    expect(deliveryBatchProblems({ deliveries: [], more: 1 })).toEqual(['property more should not exist']);
    expect(deliveryBatchProblems('x')).toEqual(['the body must be a JSON object {deliveries: [...]}']);
    expect(deliveryBatchProblems({ deliveries: {} })).toEqual(['deliveries must be an array']);
    expect(deliveryBatchProblems({ deliveries: new Array(MAX_DELIVERIES + 1).fill(good) })).toEqual([
      `deliveries must contain no more than ${MAX_DELIVERIES} elements`,
    ]);
  });

  it('the pipe answers 400 with the problems, and passes a valid batch through', () => {
    const pipe = new DeliveryBatchPipe();
    const batch = { deliveries: [good] };
    expect(pipe.transform(batch)).toBe(batch);
    expect(() => pipe.transform({ deliveries: [{}] })).toThrow(BadRequestException);
  });
});
