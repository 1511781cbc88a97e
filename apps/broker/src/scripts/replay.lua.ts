import { LuaScript, PENDING_SCORE } from '@app/redis';

/**
 * Puts dead-lettered tasks back in their queue with their retries reset.
 * KEYS[1] dead, KEYS[2] pending; ARGV[1] task key prefix, ARGV[2] how many at most, ARGV[3] now
 * Returns how many were replayed.
 */
export const replayScript: LuaScript = {
  name: 'tqReplay',
  lua: `
${PENDING_SCORE}
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local replayed = 0
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local fields = redis.call('HMGET', key, 'priority', 'seq', 'status')
  if fields[3] == 'dead_lettered' then
    redis.call('HSET', key, 'status', 'queued', 'attempts', 0, 'task_update_time', ARGV[3])
    redis.call('ZADD', KEYS[2], pendingScore(fields[1], fields[2]), id)
    replayed = replayed + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
return replayed
`,
};
