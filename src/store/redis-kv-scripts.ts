// Lua scripts of the Redis key-value store: each runs atomically in Redis, so two workers or two
// hosts never both see the same old value (the last token of a bucket, a compare-and-set).
// Loaded with ioredis defineCommand, which sends EVALSHA and falls back to EVAL once.

/** KEYS[1]; ARGV: expected present ('1'/'0'), expected, value, ttl ms ('' for none). 1 when written. */
export const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[4] ~= '' then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) else redis.call('SET', KEYS[1], ARGV[3]) end
return 1
`;

/** KEYS[1]; ARGV: delta, ttl ms ('' for none) applied only when the key is created. The new value. */
export const INCREMENT = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`;

/**
 * KEYS[1]; ARGV: burst, rate per second, now ms, cost. The same steps as takeFrom (bucket.ts):
 * refill by the time elapsed, take if enough, keep until full again. Returns {allowed 1/0,
 * remaining (whole tokens), retry after ms}.
 */
export const TAKE = `
local burst = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2]) / 1000
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tokens, updated = burst, now
local current = redis.call('GET', KEYS[1])
if current then
  local t, u = string.match(current, '^([^/]+)/([^/]+)$')
  if tonumber(t) and tonumber(u) then tokens, updated = tonumber(t), tonumber(u) end
end
tokens = math.min(burst, math.floor((tokens + math.max(0, now - updated) * perMs) * 1e9 + 0.5) / 1e9)
local allowed = tokens >= cost
if allowed then tokens = tokens - cost end
local fullIn = math.ceil((burst - tokens) / perMs)
redis.call('SET', KEYS[1], string.format('%.17g', tokens) .. '/' .. string.format('%.17g', math.max(now, updated)), 'PX', fullIn + 1)
local retry = 0
if not allowed then retry = math.ceil((cost - tokens) / perMs) end
return {allowed and 1 or 0, math.floor(tokens), retry}
`;
