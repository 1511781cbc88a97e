import { LuaScript } from '@app/redis';

/**
 * Records a running task's progress, only while the task is out for delivery: a late call after
 * the task was stored, retried or deleted changes nothing (and never makes a stray hash).
 * KEYS[1] task hash; ARGV[1] progress (JSON), ARGV[2] the delivery it is about (another delivery's run records nothing)
 * Returns 1 recorded, 0 the task is not dispatched.
 */
export const recordProgressScript: LuaScript = {
  name: 'tqRecordProgress',
  lua: `
local state = redis.call('HMGET', KEYS[1], 'status', 'delivery_id')
if (state[1] ~= 'dispatched' and state[1] ~= 'running') or state[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[1])
return 1
`,
};
