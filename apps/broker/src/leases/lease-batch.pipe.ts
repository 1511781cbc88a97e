import { BatchShape, batchBodyProblems, checkedBatchBody } from '@app/common';
import { Injectable, PipeTransform } from '@nestjs/common';

export interface Lease {
  delivery_id: string;
}

export interface LeaseBatch {
  leases: Lease[];
}

export const MAX_LEASES = 10_000;
const MAX_DELIVERY_ID = 256;

/** The rules of LeaseBatchDto (which documents the body in Swagger), checked by hand. */
const LEASE_BATCH: BatchShape = {
  field: 'leases',
  maxItems: MAX_LEASES,
  itemFields: new Set(['delivery_id']),
  itemProblems({ delivery_id: id }, at) {
    if (typeof id !== 'string') return [`${at}.delivery_id must be a string`];
    if (id.length > MAX_DELIVERY_ID) return [`${at}.delivery_id must be at most ${MAX_DELIVERY_ID} characters`];
    return [];
  },
};

export const leaseBatchProblems = (body: unknown): string[] => batchBodyProblems(body, LEASE_BATCH);

/** POST /leases body check; a param pipe, since the global ValidationPipe skips a non-class param type. */
@Injectable()
export class LeaseBatchPipe implements PipeTransform<unknown, LeaseBatch> {
  transform(value: unknown): LeaseBatch {
    return checkedBatchBody<LeaseBatch>(value, LEASE_BATCH);
  }
}
