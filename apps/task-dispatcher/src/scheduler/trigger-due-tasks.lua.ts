import type { LuaScript } from '@app/redis';

/**
 * Triggers a batch of due tasks, each only if it is still exactly as the caller read it: status
 * `scheduled` and the same scheduled_time. That compare-and-set is what lets two task-dispatchers
 * race on one batch and trigger each task once: the loser finds the task moved on and skips it.
 * A `once` task becomes `complete` (out of the scheduled index, into the complete index); a periodic
 * one records the run and moves to its next time. Index entries whose task is gone (expired by TTL)
 * or is not scheduled are dropped, so they never block a pass; a task whose scheduled_time is still
 * in the future gets its index score put right.
 *
 * KEYS[1] scheduled index, KEYS[2] complete index, KEYS[3..] the task hashes, in ARGV order
 * ARGV[1] now (ms), then per task four values: id, scheduled_time as read, next scheduled_time
 *         (ms, or '' to complete it), TTL to set (ms)
 * Returns {completed, rescheduled, pruned, skipped}.
 */
export const triggerDueTasksScript: LuaScript = {
  name: 'tqTriggerDueTasks',
  lua: `
local now = tonumber(ARGV[1])
local completed, rescheduled, pruned, skipped = 0, 0, 0, 0
for i = 3, #KEYS do
  local key = KEYS[i]
  local base = 2 + (i - 3) * 4
  local id, seen, nextTime, ttl = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local fields = redis.call('HMGET', key, 'status', 'scheduled_time')
  local due = tonumber(fields[2])
  if fields[1] ~= 'scheduled' or not due then
    redis.call('ZREM', KEYS[1], id)
    pruned = pruned + 1
  elseif fields[2] ~= seen then
    skipped = skipped + 1
  elseif due > now then
    redis.call('ZADD', KEYS[1], due, id)
    skipped = skipped + 1
  elseif nextTime == '' then
    redis.call('HSET', key, 'status', 'complete', 'task_update_time', now, 'last_run_time', now)
    redis.call('HINCRBY', key, 'run_count', 1)
    redis.call('PEXPIRE', key, ttl)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[2], now, id)
    completed = completed + 1
  else
    redis.call('HSET', key, 'scheduled_time', nextTime, 'task_update_time', now, 'last_run_time', now)
    redis.call('HINCRBY', key, 'run_count', 1)
    redis.call('PEXPIRE', key, ttl)
    redis.call('ZADD', KEYS[1], nextTime, id)
    rescheduled = rescheduled + 1
  end
end
return {completed, rescheduled, pruned, skipped}
`,
};
