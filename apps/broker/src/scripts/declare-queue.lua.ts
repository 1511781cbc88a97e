import { LuaScript, ScriptCode } from '@app/redis';

/**
 * Declares a queue or updates it: capacity replaced, binding keys added. Idempotent. A new queue's
 * `declared` (its place in the round-robin) is the version counter's next value, so it is unique
 * and increasing even after queues were deleted.
 * KEYS[1] queues hash, KEYS[2] bindings hash, KEYS[3] queue-set version (bumped on every change)
 * ARGV[1] name, ARGV[2] definition JSON ({name, binding_keys, capacity}), ARGV[3] most queues
 * (MAX_QUEUES), ARGV[4..] binding keys
 * Returns {1, ''} created, {0, ''} existed, {ScriptCode.BindingTaken, key, other queue} when a
 * binding key is taken, or {ScriptCode.TooManyQueues, max} when a new queue would pass MAX_QUEUES.
 */
export const declareQueueScript: LuaScript = {
  name: 'tqDeclareQueue',
  lua: `
for i = 4, #ARGV do
  local owner = redis.call('HGET', KEYS[2], ARGV[i])
  if owner and owner ~= ARGV[1] then return {${ScriptCode.BindingTaken}, ARGV[i], owner} end
end
local existed = redis.call('HEXISTS', KEYS[1], ARGV[1])
if existed == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return {${ScriptCode.TooManyQueues}, ARGV[3]}
end
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
end
local version = redis.call('INCR', KEYS[3])
if existed == 0 then definition.declared = version end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(definition))
for i = 4, #ARGV do redis.call('HSET', KEYS[2], ARGV[i], ARGV[1]) end
return {existed == 1 and 0 or 1, ''}
`,
};
