/**
 * Spreads items over owners round-robin: item i goes to owner i mod n, so with 3 owners and 4 items
 * the 4th item goes to the 1st owner. Returns owner -> its items, in order; no owners, no assignment.
 */
export function assignRoundRobin<T>(items: readonly T[], owners: readonly string[]): Map<string, T[]> {
  const assignment = new Map<string, T[]>(owners.map((owner) => [owner, []]));
  if (owners.length === 0) return assignment;
  items.forEach((item, index) => assignment.get(owners[index % owners.length])!.push(item));
  return assignment;
}

/** The owner of each item under `assignRoundRobin`, keyed by item. */
export function ownerByItem(items: readonly string[], owners: readonly string[]): Map<string, string> {
  const owner = new Map<string, string>();
  if (owners.length === 0) return owner;
  items.forEach((item, index) => owner.set(item, owners[index % owners.length]));
  return owner;
}
