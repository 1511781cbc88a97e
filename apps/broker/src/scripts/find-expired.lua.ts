import { LuaScript } from '@app/redis';

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
