import { pageOf } from './page';

describe('pageOf', () => {
  const items = ['c', 'a', 'e', 'b', 'd'].map((id) => ({ id }));
  const key = (item: { id: string }) => item.id;

  it('pages in key order, and the last page has no next cursor', () => {
    const first = pageOf(items, key, { limit: 2 });
    expect(first.items.map(key)).toEqual(['a', 'b']);
    const second = pageOf(items, key, { limit: 2, cursor: first.next_cursor! });
    expect(second.items.map(key)).toEqual(['c', 'd']);
    const last = pageOf(items, key, { limit: 2, cursor: second.next_cursor! });
    expect(last).toEqual({ items: [{ id: 'e' }], next_cursor: null });
  });

  it('shifts nothing when an item served already is removed between calls', () => {
    const first = pageOf(items, key, { limit: 2 });
    expect(
      pageOf(
        items.filter((item) => item.id !== 'a'),
        key,
        { limit: 2, cursor: first.next_cursor! },
      ).items.map(key),
    ).toEqual(['c', 'd']);
  });
});
