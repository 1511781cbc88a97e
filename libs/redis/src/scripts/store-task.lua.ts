import { APPEND_RUN, LuaScript, ZADD_ALL } from './lua-script';
import { ScriptCode } from './script-code';

/** What the consumer did with a delivered task, as the store script's per-task mode. */
export enum StoreMode {
  /** No handler here: kept as `scheduled` until due, then the scheduler completes it (the seed's store-only tasks). */
  StoreOnly = 'store',
  /** Has a handler but is not due: kept as `scheduled`, awaiting its run; the scheduler sends it out again when due. */
  AwaitRun = 'await',
  /** Its handler ran and succeeded: complete, or a periodic task's next occurrence awaiting its run. */
  Ran = 'ran',
}

/**
 * Stores delivered tasks, one call per round: a script call per task cost Redis a third more.
 * Only the task's current delivery may store it: the delivery id must be the one the claim wrote
 * and the task still out for it (dispatched or running), so a forged, replayed or stale delivery
 * changes nothing. Idempotent: a task already stored (scheduled or complete) is left alone.
 *
 * StoreOnly and AwaitRun: status `scheduled`, a TTL that outlives the due time by the retention
 * period, an entry in the scheduled index; AwaitRun also sets `awaits_run`. Ran: the run is recorded
 * (run_count, last_run_time, result, an `ok` entry in runs; last_error cleared); a periodic task
 * the scheduler released with a `next_time` becomes `scheduled` at that time awaiting its next run,
 * anything else becomes `complete` (complete index, retention TTL).
 *
 * KEYS[1..n] task hashes, KEYS[n+1] scheduled index (id -> scheduled_time ms), KEYS[n+2] complete index
 * ARGV[1] now (ms), ARGV[2] retention plus slack (ms), then per task four values: mode (StoreMode),
 * the handler's result (JSON, or ''), when the handler started (ms, or ''), its delivery id
 * Returns one outcome per task: 1 stored now, 0 already stored, or a ScriptCode: TaskNotFound
 * (deleted after completion: nothing to do), TaskUnreadable (no due time or id: not stored, so its
 * ack is not believed), TaskCancelled or NotCurrentDelivery (nothing stored).
 */
export const storeTaskScript: LuaScript = {
  name: 'tqStoreTasks',
  lua: `
${ZADD_ALL}
${APPEND_RUN}
local scheduledIndex, completeIndex = KEYS[#KEYS - 1], KEYS[#KEYS]
local now = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local outcomes, scheduled, completed = {}, {}, {}
for i = 1, #KEYS - 2 do
  local key = KEYS[i]
  local mode, result, started, deliveryId = ARGV[4 * i - 1], ARGV[4 * i], ARGV[4 * i + 1], ARGV[4 * i + 2]
  local task = redis.call('HMGET', key, 'status', 'scheduled_time', 'id', 'periodicity', 'next_time', 'run_count',
    'attempts', 'consumer', 'delivery_id')
  local due = tonumber(task[2])
  if not task[1] then
    outcomes[i] = ${ScriptCode.TaskNotFound}
  elseif task[9] ~= deliveryId then
    outcomes[i] = ${ScriptCode.NotCurrentDelivery}
  elseif task[1] == 'scheduled' or task[1] == 'complete' then
    outcomes[i] = 0
  elseif task[1] == 'cancelled' then
    -- Cancelled while its consumer held it: whatever the run returned is not stored.
    outcomes[i] = ${ScriptCode.TaskCancelled}
  elseif task[1] ~= 'dispatched' and task[1] ~= 'running' then
    -- Failed back (its lease lapsed, or a nack) before this store: the next delivery runs it.
    outcomes[i] = ${ScriptCode.NotCurrentDelivery}
  elseif not due or not task[3] then
    -- Checked before any write: an error half-way would leave the round's earlier tasks stored
    -- but unindexed, as Redis does not undo a failed script. Unstored, it is retried, then dead-lettered.
    outcomes[i] = ${ScriptCode.TaskUnreadable}
  elseif mode == 'ran' then
    appendRun(key, {attempt = tonumber(task[7]) or 0, consumer = task[8] or cjson.null,
      started = tonumber(started) or cjson.null, finished = now, outcome = 'ok', error = cjson.null})
    redis.call('HSET', key, 'task_update_time', now, 'stored_time', now, 'last_run_time', now,
      'run_count', (tonumber(task[6]) or 0) + 1)
    -- result is the latest successful run's: one that returned nothing leaves none.
    redis.call('HDEL', key, 'progress', 'last_error', 'started_time', 'next_time', 'result')
    if result ~= '' then redis.call('HSET', key, 'result', result) end
    local nextTime = tonumber(task[5])
    if nextTime and task[4] and task[4] ~= 'once' then
      redis.call('HSET', key, 'status', 'scheduled', 'scheduled_time', nextTime, 'awaits_run', '1')
      redis.call('PEXPIRE', key, math.max(0, nextTime - now) + keep)
      scheduled[#scheduled + 1] = nextTime
      scheduled[#scheduled + 1] = task[3]
    else
      redis.call('HSET', key, 'status', 'complete')
      redis.call('HDEL', key, 'awaits_run')
      redis.call('PEXPIRE', key, keep)
      completed[#completed + 1] = now
      completed[#completed + 1] = task[3]
    end
    outcomes[i] = 1
  else
    if mode == 'await' then
      redis.call('HSET', key, 'status', 'scheduled', 'task_update_time', now, 'stored_time', now, 'awaits_run', '1')
      redis.call('HDEL', key, 'progress', 'started_time')
    else
      redis.call('HSET', key, 'status', 'scheduled', 'task_update_time', now, 'stored_time', now)
      redis.call('HDEL', key, 'progress', 'started_time', 'awaits_run')
    end
    redis.call('PEXPIRE', key, math.max(0, due - now) + keep)
    scheduled[#scheduled + 1] = due
    scheduled[#scheduled + 1] = task[3]
    outcomes[i] = 1
  end
end
zaddAll(scheduledIndex, scheduled)
zaddAll(completeIndex, completed)
return outcomes
`,
};
