import { APPEND_RUN, LuaScript, PENDING_SCORE, ZADD_ALL } from '@app/redis';

/**
 * Lua for the broker's durable work-queues. A queue is three sorted sets sharing a hash tag:
 * pending (scored (9 - priority) * 1e13 + arrival sequence, so ZPOPMIN gives the highest priority,
 * first in first out), inflight (scored by ack deadline) and delayed (scored by when a retry may go);
 * dead letters are a fourth. A task's hash holds its fields and `attempts`, `seq`, `consumer`.
 */
/**
 * Enqueues tasks into one or more queues, all or nothing.
 * KEYS[1] sequence counter; then for each of q queues: pending, inflight, delayed, waiting; then one task key per task.
 * ARGV[1] q; ARGV[2..q+1] each queue's capacity; then per task: queue index (1-based), priority, id,
 * and its hash fields as one JSON array of names and values, which HSET takes as it is decoded.
 * Returns {1, created_1, ..., created_n} (1 enqueued, 0 id already known), or {-1, queue index} when
 * that queue would exceed its capacity (then nothing is written).
 */
export const enqueueScript: LuaScript = {
  name: 'tqEnqueue',
  lua: `
${PENDING_SCORE}
${ZADD_ALL}
local q = tonumber(ARGV[1])
local firstTask = 2 + 4 * q
local argBase = 2 + q
local created, seen, fresh, fields = {}, {}, {}, {}
for i = 1, q do fresh[i] = 0 end
local total = 0
for t = 1, #KEYS - firstTask + 1 do
  local key = KEYS[firstTask + t - 1]
  if seen[key] or redis.call('EXISTS', key) == 1 then
    created[t] = 0
  else
    seen[key] = true
    created[t] = 1
    -- Decoded before anything is written: Redis does not undo a script that fails half-way.
    fields[t] = cjson.decode(ARGV[argBase + (t - 1) * 4 + 3])
    local qi = tonumber(ARGV[argBase + (t - 1) * 4])
    fresh[qi] = fresh[qi] + 1
    total = total + 1
  end
end
for i = 1, q do
  if fresh[i] > 0 then
    local k = 1 + (i - 1) * 4
    local size = 0
    for j = 1, 4 do size = size + redis.call('ZCARD', KEYS[k + j]) end
    if size + fresh[i] > tonumber(ARGV[1 + i]) then return {-1, i} end
  end
end
local seq = redis.call('INCRBY', KEYS[1], total) - total
local scored = {}
for i = 1, q do scored[i] = {} end
for t = 1, #created do
  if created[t] == 1 then
    seq = seq + 1
    local a = argBase + (t - 1) * 4
    local qi = tonumber(ARGV[a])
    redis.call('HSET', KEYS[firstTask + t - 1], 'seq', seq, 'attempts', 0, unpack(fields[t]))
    local queued = scored[qi]
    queued[#queued + 1] = pendingScore(ARGV[a + 1], seq)
    queued[#queued + 1] = ARGV[a + 2]
  end
end
for i = 1, q do
  if #scored[i] > 0 then zaddAll(KEYS[2 + (i - 1) * 4], scored[i]) end
end
local reply = {1}
for t = 1, #created do reply[t + 1] = created[t] end
return reply
`,
};

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
    local deliveryId = ARGV[9] .. '~' .. attempts .. '~' .. id .. '~' .. string.sub(redis.sha1hex(ARGV[10] .. '~' .. claimed), 1, 24)
    claimed = claimed + 1
    redis.call('HSET', key, 'status', 'dispatched', 'task_update_time', ARGV[1], 'consumer', target, 'attempts', attempts, 'delivery_id', deliveryId)
    inflight[#inflight + 1] = ARGV[4]
    inflight[#inflight + 1] = id
    values[at.status], values[at.task_update_time], values[at.attempts], values[at.delivery_id] = 'dispatched', ARGV[1], tostring(attempts), deliveryId
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

/**
 * Completes deliveries the consumer acked as stored. An ack is believed only if it names the task's
 * current delivery and the task really is stored (or already gone after completion), so a bogus,
 * replayed or stale ack cannot drop a task.
 * KEYS[1] inflight, KEYS[2] delayed, KEYS[3] pending, KEYS[4] dead, KEYS[4 + i] the task key of delivery i
 * ARGV[2i - 1] task id, ARGV[2i] delivery id
 * Returns each task's created_time (ms) when the ack completed its delivery, else '0'.
 */
export const ackScript: LuaScript = {
  name: 'tqAck',
  lua: `
local out = {}
for i = 1, #KEYS - 4 do
  local id, deliveryId = ARGV[2 * i - 1], ARGV[2 * i]
  local state = redis.call('HMGET', KEYS[4 + i], 'status', 'created_time', 'delivery_id')
  out[i] = '0'
  if state[1] == false or ((state[1] == 'scheduled' or state[1] == 'complete') and state[3] == deliveryId) then
    -- A task is in one of its queue's sets at a time, and nearly always in flight when acked.
    if redis.call('ZREM', KEYS[1], id) == 1 then
      if state[2] then out[i] = state[2] end
    else
      redis.call('ZREM', KEYS[2], id)
      redis.call('ZREM', KEYS[3], id)
      redis.call('ZREM', KEYS[4], id)
    end
  end
end
return out
`,
};

/**
 * Ends a delivery that failed (a nack, an error, a timeout): the attempt is recorded in the task's
 * runs, and the task waits out its backoff in delayed, or once its retries are spent goes to the
 * dead letters; a periodic occurrence the scheduler released instead ends there (recorded as failed)
 * and the series goes on, awaiting its next occurrence. `release` returns the task without counting
 * the attempt (the consumer was only full, or shut down mid-run: outcome `lost`). A task already stored just leaves in-flight: its ack was
 * lost, not its work.
 * KEYS[1] inflight, KEYS[2] delayed, KEYS[3] dead, KEYS[4] task, KEYS[5] scheduled index
 * ARGV[1] task id, ARGV[2] attempt the failure is about ('' = the current one), ARGV[3] error,
 * ARGV[4] retry at (ms), ARGV[5] now (ms), ARGV[6] 'fail' or 'release',
 * ARGV[7] 'expired' when the reaper sends it: then only a delivery whose deadline has passed is failed,
 * ARGV[8] the run's outcome (failed, timed_out, lost), ARGV[9] the delivery id the failure names ('' from the
 * broker itself): unless it is the task's current delivery, nothing changes
 * Returns 0 stale (not in flight, or another attempt, or not expired), 1 retry scheduled, 2 dead-lettered,
 * 3 already stored, 4 released, 5 a periodic occurrence failed for good, the next one awaited.
 */
export const failScript: LuaScript = {
  name: 'tqFail',
  lua: `
${APPEND_RUN}
local id = ARGV[1]
local deadline = redis.call('ZSCORE', KEYS[1], id)
if not deadline then return 0 end
if ARGV[7] == 'expired' and tonumber(deadline) > tonumber(ARGV[5]) then return 0 end
local state = redis.call('HMGET', KEYS[4], 'status', 'attempts', 'max_retries', 'consumer', 'started_time', 'periodicity', 'next_time', 'run_count', 'delivery_id')
local attempts = tonumber(state[2]) or 0
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= attempts then return 0 end
if ARGV[9] ~= '' and ARGV[9] ~= state[9] then return 0 end
redis.call('ZREM', KEYS[1], id)
if state[1] == false or state[1] == 'scheduled' or state[1] == 'complete' or state[1] == 'cancelled' then return 3 end
local function recordRun()
  appendRun(KEYS[4], {attempt = attempts, consumer = state[4] or cjson.null, started = tonumber(state[5]) or cjson.null,
    finished = tonumber(ARGV[5]), outcome = ARGV[8], error = ARGV[3]})
end
if ARGV[6] == 'release' then
  -- A full consumer never ran it; a run lost to its consumer's shutdown is recorded, uncounted.
  if ARGV[8] == 'lost' then recordRun() end
  redis.call('HINCRBY', KEYS[4], 'attempts', -1)
  redis.call('HSET', KEYS[4], 'status', 'queued')
  redis.call('HDEL', KEYS[4], 'progress', 'started_time')
  redis.call('ZADD', KEYS[2], ARGV[4], id)
  return 4
end
recordRun()
redis.call('HSET', KEYS[4], 'last_error', ARGV[3], 'task_update_time', ARGV[5])
-- The progress of a failed run is not the next one's.
redis.call('HDEL', KEYS[4], 'progress', 'started_time')
if attempts > (tonumber(state[3]) or 0) then
  local nextTime = tonumber(state[7])
  if nextTime and state[6] and state[6] ~= 'once' then
    redis.call('HSET', KEYS[4], 'status', 'scheduled', 'scheduled_time', nextTime, 'awaits_run', '1', 'attempts', 0,
      'run_count', (tonumber(state[8]) or 0) + 1, 'last_run_time', ARGV[5])
    redis.call('HDEL', KEYS[4], 'next_time')
    redis.call('ZADD', KEYS[5], nextTime, id)
    return 5
  end
  redis.call('HSET', KEYS[4], 'status', 'dead_lettered')
  redis.call('ZADD', KEYS[3], ARGV[5], id)
  return 2
end
redis.call('HSET', KEYS[4], 'status', 'queued')
redis.call('ZADD', KEYS[2], ARGV[4], id)
return 1
`,
};

/**
 * Puts dead-lettered tasks back in their queue with their retries reset.
 * KEYS[1] dead, KEYS[2] pending; ARGV[1] task key prefix, ARGV[2] how many at most, ARGV[3] now
 * Returns how many were replayed.
 */
export const replayScript: LuaScript = {
  name: 'tqReplay',
  lua: `
${PENDING_SCORE}
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local replayed = 0
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local fields = redis.call('HMGET', key, 'priority', 'seq', 'status')
  if fields[3] == 'dead_lettered' then
    redis.call('HSET', key, 'status', 'queued', 'attempts', 0, 'task_update_time', ARGV[3])
    redis.call('ZADD', KEYS[2], pendingScore(fields[1], fields[2]), id)
    replayed = replayed + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
return replayed
`,
};

/**
 * Declares a queue or updates it: capacity replaced, binding keys added. Idempotent.
 * KEYS[1] queues hash, KEYS[2] bindings hash, KEYS[3] queue-set version (bumped on every change)
 * ARGV[1] name, ARGV[2] definition JSON ({name, binding_keys, capacity}), ARGV[3..] binding keys
 * Returns {1, ''} created, {0, ''} existed, or {-1, key, other queue} when a binding key is taken.
 */
export const declareQueueScript: LuaScript = {
  name: 'tqDeclareQueue',
  lua: `
for i = 3, #ARGV do
  local owner = redis.call('HGET', KEYS[2], ARGV[i])
  if owner and owner ~= ARGV[1] then return {-1, ARGV[i], owner} end
end
local existed = redis.call('HEXISTS', KEYS[1], ARGV[1])
local definition = cjson.decode(ARGV[2])
if existed == 1 then
  local previous = cjson.decode(redis.call('HGET', KEYS[1], ARGV[1]))
  definition.declared = previous.declared
  local keys = {}
  for _, key in ipairs(previous.binding_keys) do keys[key] = true end
  for _, key in ipairs(definition.binding_keys) do
    if not keys[key] then table.insert(previous.binding_keys, key) end
  end
  definition.binding_keys = previous.binding_keys
else
  definition.declared = redis.call('HLEN', KEYS[1]) + 1
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(definition))
for i = 3, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], ARGV[1]) end
redis.call('INCR', KEYS[3])
return {existed == 1 and 0 or 1, ''}
`,
};

/**
 * Finds the expired deliveries of many queues at once: with 1,000 idle queues, a command per queue
 * per sweep was most of an idle broker's work, decoding empty replies.
 * KEYS[i] queue i's in-flight set; ARGV[1] now (ms), ARGV[2] most ids per queue
 * Returns {i, count, id, ...} for each queue i with expired deliveries (none: an empty list).
 */
export const findExpiredScript: LuaScript = {
  name: 'tqFindExpired',
  lua: `
local out = {}
for i, key in ipairs(KEYS) do
  local ids = redis.call('ZRANGEBYSCORE', key, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
  if #ids > 0 then
    out[#out + 1] = i
    out[#out + 1] = #ids
    for _, id in ipairs(ids) do out[#out + 1] = id end
  end
end
return out
`,
};

export const QUEUE_SCRIPTS = [findExpiredScript, enqueueScript, claimScript, ackScript, failScript, replayScript, declareQueueScript];
