import { LuaScript } from './lua-script';

/**
 * Stores a delivered task: status `scheduled`, a TTL that outlives its due time by the retention
 * period, and an entry in the scheduled index for the task-dispatcher. Idempotent by task id: a
 * task already stored (scheduled or complete) is left alone, so a redelivery never stores twice.
 *
 * KEYS[1] task hash, KEYS[2] scheduled index (zset id -> scheduled_time ms)
 * ARGV[1] now (ms), ARGV[2] retention plus slack (ms), ARGV[3] handler result (JSON, or '')
 * Returns 1 stored now, 0 already stored, -1 no such task (deleted after completion: nothing to do).
 */
export const storeTaskScript: LuaScript = {
  name: 'tqStoreTask',
  lua: `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if status == 'scheduled' or status == 'complete' then return 0 end
local now = tonumber(ARGV[1])
local due = tonumber(redis.call('HGET', KEYS[1], 'scheduled_time'))
redis.call('HSET', KEYS[1], 'status', 'scheduled', 'task_update_time', now, 'stored_time', now)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'result', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], math.max(0, due - now) + tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], due, redis.call('HGET', KEYS[1], 'id'))
return 1
`,
};
