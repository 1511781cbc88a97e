import { LuaScript, UNTRACK, ZREM_ALL } from '@app/redis';

/**
 * The ack reply of a delivery that is still out but not stored: its consumer has no Redis access, so the broker stores
 * it.
 */
export const UNSTORED_PREFIX = '~';

/**
 * Completes deliveries the consumer acked. An ack is believed only if it names the task's current
 * delivery and the task really is stored (or already gone after completion), so a bogus, replayed
 * or stale ack cannot drop a task. A task still out for that very delivery (dispatched or running),
 * to the consumer that acks, but not stored, was acked by a consumer that stores nothing itself:
 * it is reported with what the broker needs to store it, and the broker stores it and acks again.
 * KEYS[1] inflight, KEYS[2] delayed, KEYS[3] pending, KEYS[4] dead, KEYS[4 + i] the task key of delivery i
 * ARGV[1] the acking consumer's id, then ARGV[2i] task id, ARGV[2i + 1] delivery id, and last the
 * prefix of the keys' pending sets (a completed task leaves its key's)
 * Returns per delivery: when the task became ready (ms: triggered_time, the due time of an
 * occurrence the scheduler released, else created_time) when the ack completed it;
 * '~' .. JSON [task_type, scheduled_time, periodicity, triggered_time or false] when it is the
 * acking consumer's current delivery but not stored; else '0' (ignored).
 */
export const ackScript: LuaScript = {
  name: 'tqAck',
  lua: `
${ZREM_ALL}
${UNTRACK}
local out = {}
for i = 1, #KEYS - 4 do
  local id, deliveryId = ARGV[2 * i], ARGV[2 * i + 1]
  local state = redis.call('HMGET', KEYS[4 + i], 'status', 'created_time', 'delivery_id', 'task_type',
    'triggered_time', 'consumer', 'scheduled_time', 'periodicity', 'submission')
  out[i] = '0'
  if state[1] == false or ((state[1] == 'scheduled' or state[1] == 'complete') and state[3] == deliveryId) then
    untrack(state[9], id)
    -- A task is in one of its queue's sets at a time, and nearly always in flight when acked.
    if redis.call('ZREM', KEYS[1], id) == 1 then
      out[i] = state[5] or state[2] or '0'
    else
      redis.call('ZREM', KEYS[2], id)
      redis.call('ZREM', KEYS[3], id)
      redis.call('ZREM', KEYS[4], id)
    end
  elseif (state[1] == 'dispatched' or state[1] == 'running') and state[3] == deliveryId and state[6] == ARGV[1] then
    out[i] = '${UNSTORED_PREFIX}' .. cjson.encode({state[4] or '', state[7] or '', state[8] or '', state[5]})
  end
end
flushUntracked(ARGV[#ARGV])
return out
`,
};
