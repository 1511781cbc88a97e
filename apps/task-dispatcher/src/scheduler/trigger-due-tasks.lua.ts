import { type LuaScript, PENDING_SCORE, ZADD_ALL, ZREM_ALL } from '@app/redis';

/**
 * Triggers a batch of due tasks, each only if it is still exactly as the caller read it: status
 * `scheduled` and the same scheduled_time. That compare-and-set is what lets two task-dispatchers
 * race on one batch and trigger each task once: the loser finds the task moved on and skips it.
 *
 * A task awaiting its run (stored by a consumer with its handler) is released: back to its queue's
 * pending set (same priority and place) with its attempts reset, so retries count per occurrence;
 * `triggered_time` says which occurrence it runs for, and a periodic task gets `next_time`, where
 * the consumer's store (or the last failed retry) moves it once this occurrence ends. It loses its
 * TTL while it is out again: a task waiting in a queue is never expired.
 * A store-only task runs here: a `once` task becomes `complete` (out of the scheduled index, into the
 * complete index); a periodic one records the run and moves to its next time.
 * Index entries whose task is gone (expired by TTL) or is not scheduled are dropped, so they never
 * block a pass; a task whose scheduled_time is still in the future gets its index score put right.
 *
 * Each queue that got tasks back is published once on the wake channel, so brokers claim them now.
 * A released task also leaves its queue's in-flight set: the ack of the delivery that stored it may
 * not have landed yet, and that entry would hold a place in the prefetch window for nothing.
 * A task whose queue was deleted meanwhile has nowhere to run: it is cancelled (kept for the
 * retention period, counted as pruned) rather than left in a queue nobody dispatches.
 * KEYS[1] scheduled index, KEYS[2] complete index, KEYS[3] the wake channel (pub/sub), KEYS[4] the
 * queues hash, then per task (in ARGV order) its hash, its queue's pending set and its queue's in-flight set
 * ARGV[1] now (ms), ARGV[2] how long a cancelled task is kept (ms: the retention period), then per
 *         task four values: id, scheduled_time as read, next scheduled_time (ms, or '' when it has
 *         none), TTL to set (ms)
 * Returns {completed, rescheduled, pruned, skipped, released}.
 */
export const triggerDueTasksScript: LuaScript = {
  name: 'tqTriggerDueTasks',
  lua: `
${PENDING_SCORE}
${ZADD_ALL}
${ZREM_ALL}
local now = tonumber(ARGV[1])
local completed, rescheduled, pruned, skipped, released = 0, 0, 0, 0, 0
-- Index changes are collected and made with one command each at the end: a redis.call per task
-- cost more than the command.
local unindexed, reindexed, done, woken = {}, {}, {}, {}
for t = 1, (#KEYS - 4) / 3 do
  local key, pending, inflight = KEYS[2 + 3 * t], KEYS[3 + 3 * t], KEYS[4 + 3 * t]
  local base = 3 + (t - 1) * 4
  local id, seen, nextTime, ttl = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
  local fields = redis.call('HMGET', key, 'status', 'scheduled_time', 'run_count', 'awaits_run', 'queue', 'priority',
    'seq')
  local due = tonumber(fields[2])
  local runs = (tonumber(fields[3]) or 0) + 1
  if fields[1] ~= 'scheduled' or not due then
    unindexed[#unindexed + 1] = id
    pruned = pruned + 1
  elseif fields[2] ~= seen then
    skipped = skipped + 1
  elseif due > now then
    reindexed[#reindexed + 1] = due
    reindexed[#reindexed + 1] = id
    skipped = skipped + 1
  elseif fields[4] == '1' and fields[5] and redis.call('HEXISTS', KEYS[4], fields[5]) == 0 then
    redis.call('HSET', key, 'status', 'cancelled', 'task_update_time', now, 'last_error', 'its queue was deleted')
    redis.call('HDEL', key, 'awaits_run', 'next_time')
    redis.call('PEXPIRE', key, ARGV[2])
    unindexed[#unindexed + 1] = id
    pruned = pruned + 1
  elseif fields[4] == '1' and fields[5] then
    redis.call('HSET', key, 'status', 'queued', 'attempts', 0, 'triggered_time', fields[2], 'task_update_time', now)
    redis.call('HDEL', key, 'awaits_run', 'next_time')
    if nextTime ~= '' then redis.call('HSET', key, 'next_time', nextTime) end
    redis.call('PERSIST', key)
    redis.call('ZREM', inflight, id)
    redis.call('ZADD', pending, pendingScore(fields[6], fields[7]), id)
    woken[fields[5]] = true
    unindexed[#unindexed + 1] = id
    released = released + 1
  elseif nextTime == '' then
    redis.call('HSET', key, 'status', 'complete', 'task_update_time', now, 'last_run_time', now, 'run_count', runs)
    redis.call('PEXPIRE', key, ttl)
    unindexed[#unindexed + 1] = id
    done[#done + 1] = now
    done[#done + 1] = id
    completed = completed + 1
  else
    redis.call('HSET', key, 'scheduled_time', nextTime, 'task_update_time', now, 'last_run_time', now,
      'run_count', runs)
    redis.call('PEXPIRE', key, ttl)
    reindexed[#reindexed + 1] = nextTime
    reindexed[#reindexed + 1] = id
    rescheduled = rescheduled + 1
  end
end
zremAll(KEYS[1], unindexed)
zaddAll(KEYS[1], reindexed)
zaddAll(KEYS[2], done)
for queue in pairs(woken) do redis.call('PUBLISH', KEYS[3], queue) end
return {completed, rescheduled, pruned, skipped, released}
`,
};
