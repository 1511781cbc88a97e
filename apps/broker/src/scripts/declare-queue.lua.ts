import { LuaScript, ScriptCode } from '@app/redis';

/**
 * Declares a queue or updates it: capacity replaced, binding keys added. Idempotent.
 * KEYS[1] queues hash, KEYS[2] bindings hash, KEYS[3] queue-set version (bumped on every change)
 * ARGV[1] name, ARGV[2] definition JSON ({name, binding_keys, capacity}), ARGV[3..] binding keys
 * Returns {1, ''} created, {0, ''} existed, or {ScriptCode.BindingTaken, key, other queue} when a binding key is taken.
 */
export const declareQueueScript: LuaScript = {
  name: 'tqDeclareQueue',
  lua: `
for i = 3, #ARGV do
  local owner = redis.call('HGET', KEYS[2], ARGV[i])
  if owner and owner ~= ARGV[1] then return {${ScriptCode.BindingTaken}, ARGV[i], owner} end
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
