import type { ChainableCommander, Redis } from 'ioredis';

/**
 * A Lua script run atomically by Redis. Convention: one script per atomic operation, in a
 * `<name>.lua.ts` file whose header names KEYS, ARGV and the return value; registered once per
 * client with `defineCommand` (by RedisModule) and called by name through `runScript`.
 */
export interface LuaScript {
  name: string;
  lua: string;
}

/**
 * ZADD of many {score, member, ...} at once: a redis.call per task cost more than the ZADD itself.
 * In slices, because unpack puts every value on Lua's stack (at most 8000).
 */
export const ZADD_ALL = `local function zaddAll(key, scoredMembers)
  for i = 1, #scoredMembers, 2000 do
    redis.call('ZADD', key, unpack(scoredMembers, i, math.min(i + 1999, #scoredMembers)))
  end
end`;

/** ZREM of many members at once, in slices like ZADD_ALL. */
export const ZREM_ALL = `local function zremAll(key, members)
  for i = 1, #members, 2000 do redis.call('ZREM', key, unpack(members, i, math.min(i + 1999, #members))) end
end`;

/**
 * pendingScore(priority, seq): a task's score in its queue's pending set, (9 - priority) * 1e13 +
 * arrival sequence, so ZPOPMIN gives the highest priority, first in first out. Unreadable fields
 * count as 0, so one corrupt task cannot make every later claim of its queue fail.
 */
export const PENDING_SCORE = `local function pendingScore(priority, seq)
  return (9 - (tonumber(priority) or 0)) * 1e13 + (tonumber(seq) or 0)
end`;

/**
 * appendRun(key, run): adds one attempt to the task's `runs` (JSON list, oldest first), keeping the
 * last 20 (MAX_RUNS). A `runs` that does not decode (written by hand) starts over rather than failing
 * the script. Times are ms; the API shows them as ISO-8601.
 */
export const APPEND_RUN = `local function appendRun(key, run)
  local ok, runs = pcall(cjson.decode, redis.call('HGET', key, 'runs') or '[]')
  if not ok or type(runs) ~= 'table' then runs = {} end
  runs[#runs + 1] = run
  while #runs > 20 do table.remove(runs, 1) end
  redis.call('HSET', key, 'runs', cjson.encode(runs))
end`;

/**
 * untrack(submission, id) then flushUntracked(prefix): the task leaves its submitting key's
 * pending set (the set PENDING_CAP_PER_KEY counts). `submission` is the task's field, `<key
 * name>\n<digest>`; a task without one, or from no key (AUTH=off), is in no set. One ZREM per key
 * at the end, however many tasks. Needs ZREM_ALL.
 */
export const UNTRACK = `local untracked = {}
local function untrack(submission, id)
  local owner = submission and string.match(submission, '^([^\\n]+)\\n')
  if not owner then return end
  untracked[owner] = untracked[owner] or {}
  table.insert(untracked[owner], id)
end
local function flushUntracked(prefix)
  for owner, ids in pairs(untracked) do zremAll(prefix .. owner, ids) end
end`;

type ScriptTarget = Redis | ChainableCommander;
type ScriptCommand = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown> | ChainableCommander;

export function defineScripts(client: Redis, scripts: readonly LuaScript[]): void {
  const seen = new Set<string>();
  for (const script of scripts) {
    if (seen.has(script.name)) throw new Error(`two Lua scripts are named ${script.name}`);
    seen.add(script.name);
    client.defineCommand(script.name, { lua: script.lua });
  }
}

function command(target: ScriptTarget, script: LuaScript): ScriptCommand {
  const fn = (target as unknown as Record<string, ScriptCommand | undefined>)[script.name];
  if (typeof fn !== 'function') throw new Error(`Lua script ${script.name} is not registered on this client`);
  return fn.bind(target);
}

/** Runs a registered script (EVALSHA, falling back to EVAL once) and returns its reply. */
export function runScript<T = unknown>(
  client: Redis,
  script: LuaScript,
  keys: string[],
  args: (string | number)[],
): Promise<T> {
  return command(client, script)(keys.length, ...keys, ...args) as Promise<T>;
}

/** Queues a registered script on a pipeline or transaction. */
export function queueScript(
  pipeline: ChainableCommander,
  script: LuaScript,
  keys: string[],
  args: (string | number)[],
): void {
  // On a pipeline the call only queues the script and returns the pipeline; the reply comes from exec().
  void command(pipeline, script)(keys.length, ...keys, ...args);
}
