import { LuaScript } from '@app/redis';

/**
 * Marks tasks whose handler started as `running`, with when it started (for the task's runs). Only
 * a task still dispatched for the same delivery is marked: one already stored, failed back, sent
 * elsewhere since or gone is left as it is.
 * KEYS[1..n] task hashes; ARGV[1] when the handlers started (ms), ARGV[1 + i] task i's delivery id
 * Returns how many were marked.
 */
export const markRunningScript: LuaScript = {
  name: 'tqMarkRunning',
  lua: `
local marked = 0
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'status', 'delivery_id')
  if state[1] == 'dispatched' and state[2] == ARGV[1 + i] then
    redis.call('HSET', key, 'status', 'running', 'started_time', ARGV[1])
    marked = marked + 1
  end
end
return marked
`,
};
