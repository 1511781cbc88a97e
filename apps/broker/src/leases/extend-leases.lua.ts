import { LuaScript } from '@app/redis';

/**
 * Extends the leases of one queue's deliveries that their consumer still holds: a delivery's
 * in-flight deadline moves to ARGV[1] if it is still the task's current delivery (same delivery
 * id, in flight), and never earlier than it was. A cancelled task is reported so its consumer stops running it;
 * anything else (acked, failed back, retried elsewhere) is left alone.
 * KEYS[1] inflight, KEYS[2..] the task hash of each delivery, in ARGV order
 * ARGV[1] new deadline (ms), then per delivery: task id, delivery id
 * Returns {extended, index of a cancelled delivery (1-based), ...}.
 */
export const extendLeasesScript: LuaScript = {
  name: 'tqExtendLeases',
  lua: `
local out = {0}
for i = 2, #KEYS do
  local id, deliveryId = ARGV[2 * i - 2], ARGV[2 * i - 1]
  local state = redis.call('HMGET', KEYS[i], 'status', 'delivery_id')
  if state[2] ~= deliveryId then
    -- Not this task's current delivery: a stale or made-up id changes nothing and learns nothing.
  elseif state[1] == 'cancelled' then
    out[#out + 1] = i - 1
  elseif redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], 'XX', 'GT', ARGV[1], id)
    out[1] = out[1] + 1
  end
end
return out
`,
};
