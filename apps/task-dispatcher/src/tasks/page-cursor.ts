/**
 * Where a page of an index listing ends: the score of its last entry and how many entries with
 * that score were already returned. Entries with equal scores (tasks due the same millisecond)
 * can outnumber a page, so a score alone cannot say where to resume. Sent to clients as opaque
 * base64url text.
 */
export interface PageCursor {
  score: number;
  offset: number;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.score}:${cursor.offset}`).toString('base64url');
}

/** The cursor a client sent back, or null when it is not one this service made. */
export function decodeCursor(text: string): PageCursor | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) return null;
  const match = /^(-?\d{1,16}):(\d{1,9})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!match) return null;
  return { score: Number(match[1]), offset: Number(match[2]) };
}

/**
 * The cursor after a full page read from `start` skipping `offset` entries of score `start`:
 * past every entry of the page's last score, counting those of earlier pages when the whole page
 * had that same score.
 */
export function nextCursor(scores: number[], start: number, offset: number): PageCursor {
  const last = scores[scores.length - 1];
  const sameAsLast = scores.filter((score) => score === last).length;
  return { score: last, offset: (last === start ? offset : 0) + sameAsLast };
}
