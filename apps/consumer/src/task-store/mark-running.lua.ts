import { LuaScript } from '@app/redis';

/**
 * Marks tasks whose handler started as `running`, with when it started (for the task's runs). Only
 * a task still dispatched is marked: one already stored, failed back or gone is left as it is.
 * KEYS[1..n] task hashes; ARGV[1] when the handlers started (ms)
 * Returns how many were marked.
 */
export const markRunningScript: LuaScript = {
  name: 'tqMarkRunning',
  lua: `
local marked = 0
for _, key in ipairs(KEYS) do
  if redis.call('HGET', key, 'status') == 'dispatched' then
    redis.call('HSET', key, 'status', 'running', 'started_time', ARGV[1])
    marked = marked + 1
  end
end
return marked
`,
};
