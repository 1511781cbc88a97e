import { LuaScript } from '@app/redis';

/**
 * Records a running task's progress, only while the task is out for delivery: a late call after
 * the task was stored, retried or deleted changes nothing (and never makes a stray hash).
 * KEYS[1] task hash; ARGV[1] progress (JSON)
 * Returns 1 recorded, 0 the task is not dispatched.
 */
export const recordProgressScript: LuaScript = {
  name: 'tqRecordProgress',
  lua: `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'dispatched' and status ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[1])
return 1
`,
};
