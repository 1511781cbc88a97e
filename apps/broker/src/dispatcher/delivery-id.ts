import { randomBytes } from 'node:crypto';

/**
 * A delivery id names one delivery attempt: `<queue>~<attempt>~<task id>~<token>`, where the token
 * (24 hex digits, 96 bits) is SHA-1 of a random per-claim seed and the task's place in the claim,
 * made by the claim script, which also writes the whole id to the task (`delivery_id`). Consumers treat it
 * as opaque. The broker reads the queue and task from it to find the keys; every script that acts
 * on it (ack, fail, lease, store) compares it whole with the task's current `delivery_id`, so a
 * guessed, forged or replayed id, or one of an earlier attempt, changes nothing. Neither queue
 * names nor task ids may contain `~`, so it parses back unambiguously.
 */
export interface DeliveryRef {
  queue: string;
  attempt: number;
  taskId: string;
}

/**
 * A fresh random seed for one claim: the script derives each task's token from it, so a claim costs
 * 16 random bytes however many tasks it may take, and no token tells another or the seed.
 */
export function claimSeed(): string {
  return randomBytes(16).toString('base64url');
}

export function parseDeliveryId(id: string): DeliveryRef | undefined {
  const match = /^([a-z0-9_.-]{1,64})~(\d{1,6})~([A-Za-z0-9_.:-]{1,128})~[0-9a-f]{24}$/.exec(id);
  if (!match) return undefined;
  return { queue: match[1], attempt: Number(match[2]), taskId: match[3] };
}

/** A delivery id that parsed, with the id itself. */
export interface NamedDelivery extends DeliveryRef {
  deliveryId: string;
}

/**
 * The ids of a batch (acks, lease extensions) grouped by queue, for one script call per queue;
 * ids that do not parse, or name no declared queue, are only counted, for one log line per request.
 */
export async function groupByQueue<T extends { delivery_id: string }>(
  items: T[],
  isDeclared: (queue: string) => Promise<boolean>,
): Promise<{ byQueue: Map<string, Array<NamedDelivery & { item: T }>>; unreadable: number }> {
  const byQueue = new Map<string, Array<NamedDelivery & { item: T }>>();
  let unreadable = 0;
  for (const item of items) {
    const ref = parseDeliveryId(item.delivery_id);
    if (!ref) {
      unreadable++;
      continue;
    }
    const named = { ...ref, deliveryId: item.delivery_id, item };
    const group = byQueue.get(ref.queue);
    if (group) group.push(named);
    else byQueue.set(ref.queue, [named]);
  }
  // A queue no one declared has no deliveries: its ids cost no Redis call and are kept nowhere.
  for (const [queue, group] of byQueue) {
    if (await isDeclared(queue)) continue;
    byQueue.delete(queue);
    unreadable += group.length;
  }
  return { byQueue, unreadable };
}
