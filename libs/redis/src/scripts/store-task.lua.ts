import { LuaScript, ZADD_ALL } from './lua-script';

/**
 * Stores delivered tasks: status `scheduled`, a TTL that outlives each task's due time by the
 * retention period, and an entry in the scheduled index for the task-dispatcher. Idempotent by
 * task id: a task already stored (scheduled or complete) is left alone, so a redelivery never
 * stores twice. One call stores a whole round: a script call per task cost Redis a third more.
 *
 * KEYS[1..n] task hashes, KEYS[n+1] scheduled index (zset id -> scheduled_time ms)
 * ARGV[1] now (ms), ARGV[2] retention plus slack (ms), ARGV[2+i] task i's handler result (JSON, or '')
 * Returns one outcome per task: 1 stored now, 0 already stored, -1 no such task (deleted after
 * completion: nothing to do), -2 unreadable (no due time or id: not stored, so its ack is not believed).
 */
export const storeTaskScript: LuaScript = {
  name: 'tqStoreTasks',
  lua: `
${ZADD_ALL}
local index = KEYS[#KEYS]
local now = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local outcomes, indexed = {}, {}
for i = 1, #KEYS - 1 do
  local key = KEYS[i]
  local task = redis.call('HMGET', key, 'status', 'scheduled_time', 'id')
  local due = tonumber(task[2])
  if not task[1] then
    outcomes[i] = -1
  elseif task[1] == 'scheduled' or task[1] == 'complete' then
    outcomes[i] = 0
  elseif not due or not task[3] then
    -- Checked before any write: an error half-way would leave the round's earlier tasks stored
    -- but unindexed, as Redis does not undo a failed script. Unstored, it is retried, then dead-lettered.
    outcomes[i] = -2
  else
    redis.call('HSET', key, 'status', 'scheduled', 'task_update_time', now, 'stored_time', now)
    redis.call('HDEL', key, 'progress')
    if ARGV[2 + i] ~= '' then redis.call('HSET', key, 'result', ARGV[2 + i]) end
    redis.call('PEXPIRE', key, math.max(0, due - now) + keep)
    indexed[#indexed + 1] = due
    indexed[#indexed + 1] = task[3]
    outcomes[i] = 1
  end
end
zaddAll(index, indexed)
return outcomes
`,
};
