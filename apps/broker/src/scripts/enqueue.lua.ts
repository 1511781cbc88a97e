import { LuaScript, PENDING_SCORE, ScriptCode, ZADD_ALL } from '@app/redis';

/**
 * Enqueues tasks into one or more queues, all or nothing.
 * KEYS[1] sequence counter; then for each of q queues: pending, inflight, delayed, waiting; then one task key per task.
 * ARGV[1] q; ARGV[2..q+1] each queue's capacity; then per task: queue index (1-based), priority, id,
 * its hash fields as one JSON array of names and values, which HSET takes as it is decoded, and its
 * submission (the submitting key's name and a fingerprint of what it sent), stored as `submission`.
 * An id already known is the same task only if it came with the same submission (a client
 * resending): then it is not enqueued again. Another key's id, or the same id with other content,
 * refuses the whole request. A task from before submissions were recorded has none: it matches
 * only a submission without a key (AUTH=off), so under keys nobody reads it back by resubmitting.
 * After the tasks, four values: the task key prefix, the per-key cap (PENDING_CAP_PER_KEY, 0 =
 * none), the submitting key's pending set ('' for none: AUTH=off), now (ms). With a cap, new tasks go into that set and
 * a request that would take it past the cap is refused; the set is pruned first of up to 50 of its
 * oldest entries that are no longer in a queue (a removal some path missed cannot block a key).
 * Returns {1, created_1, ..., created_n} (1 enqueued, 0 the same task already known), or, with
 * nothing written, {ScriptCode.QueueFull, queue index} when that queue would exceed its capacity,
 * {ScriptCode.IdTaken, task index} when an id belongs to another submission, or
 * {ScriptCode.KeyPendingFull, pending} when the key has too many tasks pending.
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
  local submission = ARGV[argBase + (t - 1) * 5 + 4]
  local known = seen[key]
  if not known and redis.call('EXISTS', key) == 1 then known = redis.call('HGET', key, 'submission') or '' end
  if known then
    -- A task from before submissions were recorded has none: only a caller without a key (AUTH=off)
    -- may take it for its own.
    if known ~= submission and not (known == '' and string.sub(submission, 1, 1) == '\\n') then
      return {${ScriptCode.IdTaken}, t}
    end
    created[t] = 0
  else
    seen[key] = submission
    created[t] = 1
    -- Decoded before anything is written: Redis does not undo a script that fails half-way.
    fields[t] = cjson.decode(ARGV[argBase + (t - 1) * 5 + 3])
    local qi = tonumber(ARGV[argBase + (t - 1) * 5])
    fresh[qi] = fresh[qi] + 1
    total = total + 1
  end
end
local cap, pendingSet, now = tonumber(ARGV[#ARGV - 2]), ARGV[#ARGV - 1], ARGV[#ARGV]
local tracked = cap > 0 and pendingSet ~= ''
if tracked and total > 0 then
  local pending = redis.call('ZCARD', pendingSet)
  if pending + total > cap then
    local gone = {}
    for _, id in ipairs(redis.call('ZRANGE', pendingSet, 0, 49)) do
      local status = redis.call('HGET', ARGV[#ARGV - 3] .. id, 'status')
      if status ~= 'queued' and status ~= 'dispatched' and status ~= 'running' then gone[#gone + 1] = id end
    end
    if #gone > 0 then redis.call('ZREM', pendingSet, unpack(gone)) end
    pending = pending - #gone
    if pending + total > cap then return {${ScriptCode.KeyPendingFull}, pending} end
  end
end
for i = 1, q do
  if fresh[i] > 0 then
    local k = 1 + (i - 1) * 4
    local size = 0
    for j = 1, 4 do size = size + redis.call('ZCARD', KEYS[k + j]) end
    if size + fresh[i] > tonumber(ARGV[1 + i]) then return {${ScriptCode.QueueFull}, i} end
  end
end
local seq = redis.call('INCRBY', KEYS[1], total) - total
local scored, mine = {}, {}
for i = 1, q do scored[i] = {} end
for t = 1, #created do
  if created[t] == 1 then
    seq = seq + 1
    if tracked then
      mine[#mine + 1] = now
      mine[#mine + 1] = ARGV[argBase + (t - 1) * 5 + 2]
    end
    local a = argBase + (t - 1) * 5
    local qi = tonumber(ARGV[a])
    redis.call('HSET', KEYS[firstTask + t - 1], 'seq', seq, 'attempts', 0, 'submission', ARGV[a + 4], unpack(fields[t]))
    local queued = scored[qi]
    queued[#queued + 1] = pendingScore(ARGV[a + 1], seq)
    queued[#queued + 1] = ARGV[a + 2]
  end
end
for i = 1, q do
  if #scored[i] > 0 then zaddAll(KEYS[2 + (i - 1) * 4], scored[i]) end
end
if #mine > 0 then zaddAll(pendingSet, mine) end
local reply = {1}
for t = 1, #created do reply[t + 1] = created[t] end
return reply
`,
};
