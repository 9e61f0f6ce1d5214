// Lua scripts of the Redis token store. A learned message is `<label><packed 6-byte hashes>`
// (token-hash.ts packHashes), so the script that relearns or forgets it finds the tokens to
// move in Redis itself: each message's learn or forget is atomic, and two hosts learning the
// same message id count it once. A token's counts live in the hash `<prefix><bucket>` under
// the fields `<field>s` and `<field>h`, where bucket is the hash's first 2 bytes in hex and
// field the last 4 (tokenSlot in redis-tokens.ts computes the same from the number).

/** bump(...): adds delta to every token's count of label; drops tokens at 0/0; keeps the number of tokens in KEYS[4]. */
const BUMP = `
local function bump(prefix, packed, label, delta, tokenCount)
  local other = label == 's' and 'h' or 's'
  for i = 1, #packed - 5, 6 do
    local b1, b2, b3, b4, b5, b6 = string.byte(packed, i, i + 5)
    local key = prefix .. string.format('%02x%02x', b1, b2)
    local field = string.format('%02x%02x%02x%02x', b3, b4, b5, b6)
    local value = redis.call('HINCRBY', key, field .. label, delta)
    local otherValue = redis.call('HGET', key, field .. other)
    if value <= 0 then
      if tonumber(otherValue or '0') <= 0 then
        redis.call('HDEL', key, field .. 's', field .. 'h')
        redis.call('DECR', tokenCount)
      elseif value < 0 then
        redis.call('HSET', key, field .. label, 0)
      end
    elseif value == delta and not otherValue then
      redis.call('INCR', tokenCount)
    end
  end
end
`;

/**
 * KEYS: learned record, totals, version, token count. ARGV: label ('s'/'h'), packed hashes (unique), record
 * TTL ms, token key prefix. Returns 0 unchanged, 1 learned, 2 relearned.
 */
export const LEARN = `${BUMP}
local label = ARGV[1]
local previous = redis.call('GET', KEYS[1])
if previous and string.sub(previous, 1, 1) == label then return 0 end
if previous then
  local old = string.sub(previous, 1, 1)
  bump(ARGV[4], string.sub(previous, 2), old, -1, KEYS[4])
  redis.call('HINCRBY', KEYS[2], old, -1)
end
bump(ARGV[4], ARGV[2], label, 1, KEYS[4])
redis.call('HINCRBY', KEYS[2], label, 1)
redis.call('SET', KEYS[1], label .. ARGV[2], 'PX', ARGV[3])
redis.call('INCR', KEYS[3])
if previous then return 2 end
return 1
`;

/** KEYS: learned record, totals, version, token count. ARGV: token key prefix. Returns 1 forgotten, 0 never learned. */
export const FORGET = `${BUMP}
local previous = redis.call('GET', KEYS[1])
if not previous then return 0 end
local old = string.sub(previous, 1, 1)
bump(ARGV[1], string.sub(previous, 2), old, -1, KEYS[4])
redis.call('HINCRBY', KEYS[2], old, -1)
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[3])
return 1
`;
