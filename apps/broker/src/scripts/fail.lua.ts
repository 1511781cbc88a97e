import { APPEND_RUN, LuaScript, UNTRACK, ZREM_ALL } from '@app/redis';

/** What failScript did with a failed delivery. */
export enum FailOutcome {
  /** Nothing: not in flight, another attempt, another delivery, or (reaper) not yet expired. */
  Stale = 0,
  RetryScheduled = 1,
  DeadLettered = 2,
  /** Already stored: only its ack was lost, so it just leaves in-flight. */
  AlreadyStored = 3,
  /** Back in the queue without counting the attempt. */
  Released = 4,
  /** A periodic occurrence spent its retries: recorded as failed, the next occurrence awaited. */
  OccurrenceFailed = 5,
}

/**
 * Ends a delivery that failed (a nack, an error, a timeout): the attempt is recorded in the task's
 * runs, and the task waits out its backoff in delayed, or once its retries are spent goes to the
 * dead letters; a periodic occurrence the scheduler released instead ends there (recorded as failed)
 * and the series goes on, awaiting its next occurrence. `release` returns the task without counting
 * the attempt (the consumer was only full, or shut down mid-run: outcome `lost`). A task already
 * stored just leaves in-flight: its ack was lost, not its work.
 * KEYS[1] inflight, KEYS[2] delayed, KEYS[3] dead, KEYS[4] task, KEYS[5] scheduled index
 * ARGV[1] task id, ARGV[2] attempt the failure is about ('' = the current one), ARGV[3] error,
 * ARGV[4] retry at (ms), ARGV[5] now (ms), ARGV[6] 'fail' or 'release',
 * ARGV[7] 'expired' when the reaper sends it: then only a delivery whose deadline has passed is failed,
 * ARGV[8] the run's outcome (failed, timed_out, lost), ARGV[9] the delivery id the failure names ('' from the
 * broker itself): unless it is the task's current delivery, nothing changes, ARGV[10] how long a stored
 * task is kept past its due time (ms), the TTL a periodic task awaiting its next occurrence gets,
 * ARGV[11] the prefix of the keys' pending sets (a task leaving its queue leaves its key's)
 * Returns a FailOutcome.
 */
export const failScript: LuaScript = {
  name: 'tqFail',
  lua: `
${APPEND_RUN}
${ZREM_ALL}
${UNTRACK}
local id = ARGV[1]
local deadline = redis.call('ZSCORE', KEYS[1], id)
if not deadline then return ${FailOutcome.Stale} end
if ARGV[7] == 'expired' and tonumber(deadline) > tonumber(ARGV[5]) then return ${FailOutcome.Stale} end
local state = redis.call('HMGET', KEYS[4], 'status', 'attempts', 'max_retries', 'consumer', 'started_time',
  'periodicity', 'next_time', 'run_count', 'delivery_id', 'submission')
-- Out of its queue for good (stored, dead, or a spent occurrence): out of its key's pending set.
local function leaveQueue()
  untrack(state[10], id)
  flushUntracked(ARGV[11])
end
local attempts = tonumber(state[2]) or 0
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= attempts then return ${FailOutcome.Stale} end
if ARGV[9] ~= '' and ARGV[9] ~= state[9] then return ${FailOutcome.Stale} end
redis.call('ZREM', KEYS[1], id)
if state[1] == false or state[1] == 'scheduled' or state[1] == 'complete' or state[1] == 'cancelled' then
  leaveQueue()
  return ${FailOutcome.AlreadyStored}
end
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
  return ${FailOutcome.Released}
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
    -- Stored awaiting its next run, it expires like any stored task (the store script's TTL).
    redis.call('PEXPIRE', KEYS[4], math.max(0, nextTime - tonumber(ARGV[5])) + tonumber(ARGV[10]))
    redis.call('ZADD', KEYS[5], nextTime, id)
    leaveQueue()
    return ${FailOutcome.OccurrenceFailed}
  end
  redis.call('HSET', KEYS[4], 'status', 'dead_lettered')
  redis.call('ZADD', KEYS[3], ARGV[5], id)
  leaveQueue()
  return ${FailOutcome.DeadLettered}
end
redis.call('HSET', KEYS[4], 'status', 'queued')
redis.call('ZADD', KEYS[2], ARGV[4], id)
return ${FailOutcome.RetryScheduled}
`,
};
