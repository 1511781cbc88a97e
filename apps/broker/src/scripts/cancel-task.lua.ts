import { APPEND_RUN, LuaScript, ScriptCode, UNTRACK, ZREM_ALL } from '@app/redis';

/** What cancelTaskScript did, when it did not refuse. */
export enum CancelOutcome {
  AlreadyCancelled = 0,
  Cancelled = 1,
}

/**
 * Cancels a task wherever it is: out of its queue's sets (pending, in flight, delayed, waiting,
 * dead) and the scheduled index, status `cancelled`, kept for the retention period. A running
 * attempt is recorded as cancelled; its consumer learns it from its next lease extension and
 * aborts the handler, and whatever it reports afterwards is ignored (the other scripts refuse a
 * cancelled task). A periodic task stops for good.
 * KEYS[1] task hash, KEYS[2] pending, KEYS[3] in flight, KEYS[4] delayed, KEYS[5] waiting,
 * KEYS[6] dead letters (all of the task's queue), KEYS[7] scheduled index
 * ARGV[1] task id, ARGV[2] now (ms), ARGV[3] how long to keep it (ms), ARGV[4] the prefix of the
 * keys' pending sets (a cancelled task leaves its key's)
 * Returns a CancelOutcome, or ScriptCode.TaskNotFound or ScriptCode.TaskComplete.
 */
export const cancelTaskScript: LuaScript = {
  name: 'tqCancelTask',
  lua: `
${APPEND_RUN}
${ZREM_ALL}
${UNTRACK}
local state = redis.call('HMGET', KEYS[1], 'status', 'attempts', 'consumer', 'started_time', 'submission')
if not state[1] then return ${ScriptCode.TaskNotFound} end
if state[1] == 'complete' then return ${ScriptCode.TaskComplete} end
if state[1] == 'cancelled' then return ${CancelOutcome.AlreadyCancelled} end
local now = tonumber(ARGV[2])
if state[1] == 'running' then
  appendRun(KEYS[1], {attempt = tonumber(state[2]) or 0, consumer = state[3] or cjson.null,
    started = tonumber(state[4]) or cjson.null, finished = now, outcome = 'cancelled', error = 'cancelled'})
end
for i = 2, 7 do redis.call('ZREM', KEYS[i], ARGV[1]) end
untrack(state[5], ARGV[1])
flushUntracked(ARGV[4])
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'task_update_time', now)
redis.call('HDEL', KEYS[1], 'awaits_run', 'next_time', 'progress', 'started_time')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return ${CancelOutcome.Cancelled}
`,
};
