import { LuaScript, ScriptCode, UNTRACK, ZREM_ALL } from '@app/redis';

/**
 * Deletes a queue: its definition, its binding keys and its sets. A queue that holds tasks
 * (pending, in flight, delayed, waiting or dead) is refused unless forced; forced, each of its
 * tasks becomes `cancelled` (kept for the retention period, never delivered again), so nothing
 * accepted disappears without a trace.
 * KEYS[1] queues hash, KEYS[2] bindings hash, KEYS[3] queue-set version, KEYS[4..8] the queue's
 * pending, inflight, delayed, waiting and dead sets, KEYS[9] scheduled index
 * ARGV[1] name, ARGV[2] '1' to force, ARGV[3] task key prefix, ARGV[4] now (ms), ARGV[5] how long
 * a cancelled task is kept (ms), ARGV[6] the prefix of the keys' pending sets
 * Returns {1, tasks cancelled}, {ScriptCode.QueueNotFound}, or {ScriptCode.QueueNotEmpty, tasks held}.
 * Task keys are built from ARGV[3], like the claim script's.
 */
export const deleteQueueScript: LuaScript = {
  name: 'tqDeleteQueue',
  lua: `
${ZREM_ALL}
${UNTRACK}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {${ScriptCode.QueueNotFound}} end
local held = 0
for k = 4, 8 do held = held + redis.call('ZCARD', KEYS[k]) end
if held > 0 and ARGV[2] ~= '1' then return {${ScriptCode.QueueNotEmpty}, held} end
local cancelled = 0
for k = 4, 8 do
  for _, id in ipairs(redis.call('ZRANGE', KEYS[k], 0, -1)) do
    local key = ARGV[3] .. id
    local status, submission = unpack(redis.call('HMGET', key, 'status', 'submission'))
    untrack(submission, id)
    if status and status ~= 'complete' and status ~= 'cancelled' then
      redis.call('HSET', key, 'status', 'cancelled', 'task_update_time', ARGV[4])
      redis.call('HDEL', key, 'awaits_run', 'next_time', 'progress', 'started_time')
      redis.call('PEXPIRE', key, ARGV[5])
      redis.call('ZREM', KEYS[9], id)
      cancelled = cancelled + 1
    end
  end
  redis.call('DEL', KEYS[k])
end
local ok, definition = pcall(cjson.decode, raw)
if ok and type(definition) == 'table' and type(definition.binding_keys) == 'table' then
  for _, bindingKey in ipairs(definition.binding_keys) do
    if redis.call('HGET', KEYS[2], bindingKey) == ARGV[1] then redis.call('HDEL', KEYS[2], bindingKey) end
  end
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[3])
flushUntracked(ARGV[6])
return {1, cancelled}
`,
};
