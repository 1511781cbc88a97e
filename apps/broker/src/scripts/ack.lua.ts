import { LuaScript } from '@app/redis';

/** The ack reply of a delivery that is still out but not stored: its consumer has no Redis access, so the broker stores it. */
export const UNSTORED_PREFIX = '~';

/**
 * Completes deliveries the consumer acked. An ack is believed only if it names the task's current
 * delivery and the task really is stored (or already gone after completion), so a bogus, replayed
 * or stale ack cannot drop a task. A task still out for that very delivery (dispatched or running)
 * but not stored was acked by a consumer that stores nothing itself: it is reported, and the broker
 * stores it (with the ack's result) and acks it again.
 * KEYS[1] inflight, KEYS[2] delayed, KEYS[3] pending, KEYS[4] dead, KEYS[4 + i] the task key of delivery i
 * ARGV[2i - 1] task id, ARGV[2i] delivery id
 * Returns per delivery: when the task became ready (ms: triggered_time, the scheduler's release of a
 * task due later, else created_time) when the ack completed it, '~<task_type>' when
 * it is the current delivery but not stored, else '0' (ignored).
 */
export const ackScript: LuaScript = {
  name: 'tqAck',
  lua: `
local out = {}
for i = 1, #KEYS - 4 do
  local id, deliveryId = ARGV[2 * i - 1], ARGV[2 * i]
  local state = redis.call('HMGET', KEYS[4 + i], 'status', 'created_time', 'delivery_id', 'task_type', 'triggered_time')
  out[i] = '0'
  if state[1] == false or ((state[1] == 'scheduled' or state[1] == 'complete') and state[3] == deliveryId) then
    -- A task is in one of its queue's sets at a time, and nearly always in flight when acked.
    if redis.call('ZREM', KEYS[1], id) == 1 then
      out[i] = state[5] or state[2] or '0'
    else
      redis.call('ZREM', KEYS[2], id)
      redis.call('ZREM', KEYS[3], id)
      redis.call('ZREM', KEYS[4], id)
    end
  elseif (state[1] == 'dispatched' or state[1] == 'running') and state[3] == deliveryId then
    out[i] = '${UNSTORED_PREFIX}' .. (state[4] or '')
  end
end
return out
`,
};
