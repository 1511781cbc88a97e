import type { Redis } from 'ioredis';

/** Deletes every key under a bench run's prefix by SCAN + UNLINK (never FLUSHALL: Redis may be shared); counts them. */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) removed += await redis.unlink(...found);
  } while (cursor !== '0');
  return removed;
}
