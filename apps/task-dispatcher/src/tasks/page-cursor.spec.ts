import { decodeCursor, encodeCursor, nextCursor } from './page-cursor';

describe('page cursor', () => {
  it('round-trips through its opaque text', () => {
    const cursor = { score: 1_767_225_600_000, offset: 3 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('rejects text it did not make', () => {
    expect(decodeCursor('not a cursor')).toBeNull();
    expect(decodeCursor(Buffer.from('12:x').toString('base64url'))).toBeNull();
    expect(decodeCursor('')).toBeNull();
  });

  it('resumes after the last score, skipping the entries of that score already returned', () => {
    expect(nextCursor([10, 20, 20], 0, 0)).toEqual({ score: 20, offset: 2 });
  });

  it('adds to the offset when a whole page shares the score it started from', () => {
    expect(nextCursor([20, 20, 20], 20, 2)).toEqual({ score: 20, offset: 5 });
  });

  it('starts counting again once the page moved past the starting score', () => {
    expect(nextCursor([20, 30], 20, 2)).toEqual({ score: 30, offset: 1 });
  });
});
