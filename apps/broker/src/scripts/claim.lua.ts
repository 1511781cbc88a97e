import { LuaScript, PENDING_SCORE, ZADD_ALL } from '@app/redis';

/**
 * Claims up to a batch of tasks for delivery, within the queue's prefetch window. Retries whose
 * backoff is over go back to pending first. Each task goes to a live consumer that can run its
 * task_type: one that registered the type (a handler) wins over one that registered `*` (store
 * only); among those the queue's owner first, else the first in registration order, and a retry
 * whose last delivery went to that one moves to the next capable one. A task no live consumer can
 * run is moved to waiting (scored as in pending), never delivered; ARGV[8] = '1' (the consumers
 * changed since this replica's last claim) puts waiting tasks back in pending first.
 * KEYS[1] pending, KEYS[2] inflight, KEYS[3] delayed, KEYS[4] waiting
 * ARGV[1] now, ARGV[2] window, ARGV[3] batch, ARGV[4] ack deadline, ARGV[5] task key prefix,
 * ARGV[6] owner consumer id, ARGV[7] live consumers as JSON [[id, type, ...], ...] in registration
 * order, ARGV[8] '1' to release waiting tasks, ARGV[9] the queue's name, ARGV[10] a random seed
 * for this claim, ARGV[11..] the task fields a delivery carries (CLAIMED_FIELDS). Each claimed task
 * gets `delivery_id` <queue>~<attempt>~<id>~<token>, the token the first 24 hex digits of
 * SHA-1(seed, its place in this claim).
 * Returns {consumer id, values, consumer id, values, ...} where values is a JSON array of the task's
 * ARGV[11..] fields (false when absent): one string per task, which the broker reads with one
 * JSON.parse, where a nested reply cost ioredis's decoder ~12 µs per task and cjson ~2 in Redis.
 * Task keys are built from ARGV[5]: the one script that reads keys named inside a queue.
 */
export const claimScript: LuaScript = {
  name: 'tqClaim',
  lua: `
${PENDING_SCORE}
${ZADD_ALL}
local now = tonumber(ARGV[1])
if ARGV[8] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[4], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[4])
end
local capable, storeOnly = {}, {}
for _, consumer in ipairs(cjson.decode(ARGV[7])) do
  for j = 2, #consumer do
    local t = consumer[j]
    if t == '*' then
      storeOnly[#storeOnly + 1] = consumer[1]
    else
      capable[t] = capable[t] or {}
      table.insert(capable[t], consumer[1])
    end
  end
end
local function pick(candidates, last)
  local at = 1
  for i, id in ipairs(candidates) do if id == ARGV[6] then at = i end end
  if candidates[at] == last and #candidates > 1 then at = at % #candidates + 1 end
  return candidates[at]
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)) do
  local fields = redis.call('HMGET', ARGV[5] .. id, 'priority', 'seq')
  if fields[2] then redis.call('ZADD', KEYS[1], pendingScore(fields[1], fields[2]), id) end
  redis.call('ZREM', KEYS[3], id)
end
local n = math.min(tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[2]), tonumber(ARGV[3]))
if n <= 0 then return {} end
local popped = redis.call('ZPOPMIN', KEYS[1], n)
local fields = {unpack(ARGV, 11)}
local claimed = 0
-- One HMGET per task reads the last consumer and the delivered fields; at[name] is a field's place in its reply.
local at = {}
for i, name in ipairs(fields) do at[name] = i + 1 end
local out, inflight, waiting = {}, {}, {}
for i = 1, #popped, 2 do
  local id = popped[i]
  local key = ARGV[5] .. id
  local values = redis.call('HMGET', key, 'consumer', unpack(fields))
  local status = values[at.status]
  local candidates = capable[values[at.task_type]] or storeOnly
  if status ~= 'queued' and status ~= 'dispatched' then
    -- Already stored, or gone: nothing to deliver, it simply leaves pending.
  elseif #candidates == 0 then
    waiting[#waiting + 1] = popped[i + 1]
    waiting[#waiting + 1] = id
  else
    local target = pick(candidates, values[1])
    local attempts = (tonumber(values[at.attempts]) or 0) + 1
    local deliveryId = ARGV[9] .. '~' .. attempts .. '~' .. id .. '~'
      .. string.sub(redis.sha1hex(ARGV[10] .. '~' .. claimed), 1, 24)
    claimed = claimed + 1
    redis.call('HSET', key, 'status', 'dispatched', 'task_update_time', ARGV[1], 'consumer', target,
      'attempts', attempts, 'delivery_id', deliveryId)
    inflight[#inflight + 1] = ARGV[4]
    inflight[#inflight + 1] = id
    values[at.status], values[at.task_update_time], values[at.attempts], values[at.delivery_id] =
      'dispatched', ARGV[1], tostring(attempts), deliveryId
    table.remove(values, 1)
    out[#out + 1] = target
    out[#out + 1] = cjson.encode(values)
  end
end
zaddAll(KEYS[2], inflight)
zaddAll(KEYS[4], waiting)
return out
`,
};

/**
 * The task hash fields a delivery carries, in the order claimScript returns their values. The claim
 * writes status, task_update_time, attempts and delivery_id, so they must stay in the list.
 */
export const CLAIMED_FIELDS = [
  'id',
  'task_name',
  'task_type',
  'binding_key',
  'priority',
  'payload',
  'scheduled_time',
  'periodicity',
  'max_retries',
  'status',
  'task_update_time',
  'created_time',
  'attempts',
  'last_error',
  'run_count',
  'last_run_time',
  'triggered_time',
  'delivery_id',
] as const;
