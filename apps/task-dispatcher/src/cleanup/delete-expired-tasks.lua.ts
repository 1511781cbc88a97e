import type { LuaScript } from '@app/redis';

/**
 * Deletes completed tasks whose retention has run out, with both index entries that point at them.
 * Each task is checked again here, so a read-then-delete race cannot remove a task that changed:
 * one completed after the cutoff only gets its index score put right. Entries whose task is gone
 * (expired by TTL) or is not complete are dropped from the complete index.
 *
 * KEYS[1] scheduled index, KEYS[2] complete index, KEYS[3..] the task hashes, in ARGV order
 * ARGV[1] cutoff (ms): tasks last updated at or before it go, ARGV[2..] the task ids
 * Returns {deleted, pruned}.
 */
export const deleteExpiredTasksScript: LuaScript = {
  name: 'tqDeleteExpiredTasks',
  lua: `
local cutoff = tonumber(ARGV[1])
local deleted, pruned = 0, 0
for i = 3, #KEYS do
  local key, id = KEYS[i], ARGV[i - 1]
  local fields = redis.call('HMGET', key, 'status', 'task_update_time')
  local updated = tonumber(fields[2])
  if not fields[1] then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    pruned = pruned + 1
  elseif fields[1] ~= 'complete' then
    redis.call('ZREM', KEYS[2], id)
    pruned = pruned + 1
  elseif updated and updated > cutoff then
    redis.call('ZADD', KEYS[2], updated, id)
  else
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    deleted = deleted + 1
  end
end
return {deleted, pruned}
`,
};
