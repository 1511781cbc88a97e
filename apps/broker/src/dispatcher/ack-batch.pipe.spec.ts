import { BadRequestException } from '@nestjs/common';
import { ackBatchProblems, AckBatchPipe, MAX_ACKS } from './ack-batch.pipe';

describe('ackBatchProblems', () => {
  it('accepts a valid batch, with or without an error text', () => {
    expect(ackBatchProblems({ acks: [] })).toEqual([]);
    expect(
      ackBatchProblems({
        acks: [
          { delivery_id: 'q~1~t', ok: true },
          { delivery_id: 'q~1~u', ok: false, error: 'boom' },
        ],
      }),
    ).toEqual([]);
  });

  it('names the bad field and its index', () => {
    expect(
      ackBatchProblems({
        acks: [
          { delivery_id: 'q~1~t', ok: true },
          { delivery_id: 'x', ok: 'yes' },
        ],
      }),
    ).toEqual(['acks[1].ok must be a boolean']);
    expect(ackBatchProblems({ acks: [{ ok: true }] })).toEqual(['acks[0].delivery_id must be a string']);
    expect(ackBatchProblems({ acks: [{ delivery_id: 'x'.repeat(257), ok: true }] })).toEqual([
      'acks[0].delivery_id must be at most 256 characters',
    ]);
    expect(ackBatchProblems({ acks: [{ delivery_id: 'x', ok: false, error: 7 }] })).toEqual([
      'acks[0].error must be a string',
    ]);
    expect(ackBatchProblems({ acks: [null, 'a'] })).toEqual(['acks[0] must be an object', 'acks[1] must be an object']);
  });

  it('rejects unknown fields and bodies of the wrong shape', () => {
    expect(ackBatchProblems({ acks: [{ delivery_id: 'x', ok: true, status: 'done' }] })).toEqual([
      'acks[0].status should not exist',
    ]);
    expect(ackBatchProblems({ acks: [], more: 1 })).toEqual(['property more should not exist']);
    expect(ackBatchProblems([])).toEqual(['the body must be a JSON object {acks: [...]}']);
    expect(ackBatchProblems({})).toEqual(['acks must be an array']);
    expect(ackBatchProblems({ acks: new Array(MAX_ACKS + 1).fill({ delivery_id: 'x', ok: true }) })).toEqual([
      `acks must contain no more than ${MAX_ACKS} elements`,
    ]);
  });

  it('takes how a failed run ended, from the outcomes a consumer may report', () => {
    expect(
      ackBatchProblems({
        acks: [
          { delivery_id: 'q~1~t', ok: false, outcome: 'timed_out' },
          { delivery_id: 'q~1~u', ok: false, outcome: 'lost' },
        ],
      }),
    ).toEqual([]);
    expect(ackBatchProblems({ acks: [{ delivery_id: 'q~1~t', ok: false, outcome: 'ok' }] })).toEqual([
      'acks[0].outcome must be one of failed, timed_out, lost',
    ]);
  });

  it('reports at most 50 problems', () => {
    expect(ackBatchProblems({ acks: new Array(200).fill({}) })).toHaveLength(50);
  });

  it('the pipe answers 400 with the problems, and passes a valid batch through', () => {
    const pipe = new AckBatchPipe();
    const batch = { acks: [{ delivery_id: 'q~1~t', ok: true }] };
    expect(pipe.transform(batch)).toBe(batch);
    expect(() => pipe.transform({ acks: [{ delivery_id: 'x', ok: 'yes' }] })).toThrow(BadRequestException);
  });
});
