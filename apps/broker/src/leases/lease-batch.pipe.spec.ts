import { BadRequestException } from '@nestjs/common';
import { LeaseBatchPipe, leaseBatchProblems, MAX_LEASES } from './lease-batch.pipe';

describe('lease batch body', () => {
  it('takes a list of delivery ids', () => {
    expect(leaseBatchProblems({ leases: [{ delivery_id: 'q~1~t' }] })).toEqual([]);
  });

  it('names each bad item, and refuses more than it can take', () => {
    expect(
      leaseBatchProblems({
        leases: [{ delivery_id: 7 }, { delivery_id: 'x'.repeat(300) }, { delivery_id: 'q~1~t', extra: 1 }],
      }),
    ).toEqual([
      'leases[0].delivery_id must be a string',
      'leases[1].delivery_id must be at most 256 characters',
      'leases[2].extra should not exist',
    ]);
    expect(leaseBatchProblems({ leases: new Array(MAX_LEASES + 1).fill({ delivery_id: 'q~1~t' }) })).toEqual([
      `leases must contain no more than ${MAX_LEASES} elements`,
    ]);
    expect(() => new LeaseBatchPipe().transform({ leases: 'all' })).toThrow(BadRequestException);
  });
});
