import { randomBytes } from 'node:crypto';

/**
 * A delivery id names one delivery attempt: `<queue>~<attempt>~<task id>~<token>`, where the token
 * is 96 random bits the claim script also writes to the task (`delivery_id`). Consumers treat it
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

/** Characters of one token: 12 random bytes as base64url. */
export const DELIVERY_TOKEN_LENGTH = 16;

/** Tokens for `count` deliveries, concatenated: the claim script cuts one per task it claims. */
export function deliveryTokens(count: number): string {
  return randomBytes((count * DELIVERY_TOKEN_LENGTH * 3) / 4).toString('base64url');
}

export function parseDeliveryId(id: string): DeliveryRef | undefined {
  const match = /^([a-z0-9_.-]{1,64})~(\d{1,6})~([A-Za-z0-9_.:-]{1,128})~[A-Za-z0-9_-]{16}$/.exec(id);
  if (!match) return undefined;
  return { queue: match[1], attempt: Number(match[2]), taskId: match[3] };
}
