import { LuaScript } from '@app/redis';

/**
 * Extends the leases of one queue's deliveries that their consumer still holds: a delivery's
 * in-flight deadline moves to ARGV[1] if it is still the task's current delivery (same delivery
 * id, in flight), and never earlier than it was. A cancelled task is reported so its consumer stops
 * running it, and so is a delivery that is no longer its task's current one while the task is not
 * done (failed back or sent elsewhere meanwhile): its consumer must not run it any more.
 * KEYS[1] inflight, KEYS[2..] the task hash of each delivery, in ARGV order
 * ARGV[1] new deadline (ms), then per delivery: task id, delivery id
 * Returns {extended, then per reported delivery its index (1-based): positive when its task was
 * cancelled, negative when the delivery is stale}.
 */
export const extendLeasesScript: LuaScript = {
  name: 'tqExtendLeases',
  lua: `
local out = {0}
for i = 2, #KEYS do
  local id, deliveryId = ARGV[2 * i - 2], ARGV[2 * i - 1]
  local state = redis.call('HMGET', KEYS[i], 'status', 'delivery_id')
  if state[2] ~= deliveryId then
    -- A made-up id learns no more than that its task exists, which the id it made up already named.
    if state[1] and state[1] ~= 'complete' and state[1] ~= 'cancelled' then out[#out + 1] = 1 - i end
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
