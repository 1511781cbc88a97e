import type { LuaScript } from '@app/redis';

/**
 * Drops index entries whose task hash no longer exists (it expired by TTL or was deleted). The
 * existence check and the removal are one step, so a task stored meanwhile keeps its entry.
 *
 * KEYS[1] the index (scheduled or complete), KEYS[2..] the task hashes, in ARGV order
 * ARGV[1..] the task ids
 * Returns the number of entries dropped.
 */
export const pruneIndexScript: LuaScript = {
  name: 'tqPruneIndex',
  lua: `
local pruned = 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    pruned = pruned + redis.call('ZREM', KEYS[1], ARGV[i - 1])
  end
end
return pruned
`,
};
