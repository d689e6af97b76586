-- Applies one write of a counter-server node: a batch of increments for one or more counters
-- (all in one cluster slot), atomically.
--
-- KEYS[1]        the write-token key (only used when ARGV[3] == '1')
-- KEYS[2..n+1]   one hash per counter; field = node id, value = that node's shard (decimal int64)
-- ARGV[1]        this node's id (the field it adds to)
-- ARGV[2]        idempotency window in milliseconds
-- ARGV[3]        '1' when the write carries a token: a resend of an applied write applies nothing
-- ARGV[4..]      per counter, in KEYS order: the increment count c, then c pairs (delta, request id)
--
-- Returns one string per increment, in order: '=<value>' applied (the counter's value right
-- after it), 'd<value>' duplicate request id (the first attempt's value), 'o' rejected because
-- the counter or this node's shard would leave the int64 range. Returns {'w'} when the token
-- shows that this write was applied before.
--
-- Lua numbers are doubles, exact only up to 2^53. Every int64 is therefore held as two exact
-- limbs (hi, lo) with value = hi * 10^9 + lo and 0 <= lo < 10^9, and crosses the script boundary
-- as a decimal string. No counter value is ever converted to a single Lua number.

local B = 1000000000
local MAX_HI, MAX_LO = 9223372036, 854775807   --  9223372036854775807
local MIN_HI, MIN_LO = -9223372037, 145224192  -- -9223372036854775808

local function parse(s)
  local negative = string.byte(s, 1) == 45 -- '-'
  local digits = negative and string.sub(s, 2) or s
  local n = #digits
  local hi, lo = 0, 0
  if n > 9 then
    hi = tonumber(string.sub(digits, 1, n - 9))
    lo = tonumber(string.sub(digits, n - 8))
  else
    lo = tonumber(digits)
  end
  if negative then
    if lo > 0 then
      return -hi - 1, B - lo
    end
    return -hi, 0
  end
  return hi, lo
end

local function add(ah, al, bh, bl)
  local lo = al + bl
  if lo >= B then
    return ah + bh + 1, lo - B
  end
  return ah + bh, lo
end

local function fits(hi, lo)
  if hi > MAX_HI or (hi == MAX_HI and lo > MAX_LO) then
    return false
  end
  return not (hi < MIN_HI or (hi == MIN_HI and lo < MIN_LO))
end

local function magnitude(hi, lo)
  if hi == 0 then
    return string.format('%d', lo)
  end
  return string.format('%d%09d', hi, lo)
end

local function format(hi, lo)
  if hi >= 0 then
    return magnitude(hi, lo)
  end
  if lo == 0 then
    return '-' .. magnitude(-hi, 0)
  end
  return '-' .. magnitude(-hi - 1, B - lo)
end

local tokenKey = KEYS[1]
local node = ARGV[1]
local window = tonumber(ARGV[2])
local withToken = ARGV[3] == '1'

if withToken and redis.call('EXISTS', tokenKey) == 1 then
  -- Rewritten so that a WAIT after this resend also covers the original write.
  redis.call('SET', tokenKey, '1', 'PX', ARGV[2])
  return {'w'}
end

-- Idempotency records live in per-counter hashes, one per window-sized time bucket; a record is
-- looked up in the current and the previous bucket, so it is remembered for at least one window.
local bucket = nil
local function currentBucket()
  if bucket == nil then
    local now = redis.call('TIME')
    local millis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
    bucket = math.floor(millis / window)
  end
  return bucket
end

-- Pass 1 reads and decides everything; pass 2 writes. Redis does not roll back a script that
-- fails half way, so anything that can fail (a foreign value in a hash, a key of the wrong type)
-- must fail before the first write.
local out = {}
local writes = {}
local arg = 4
for k = 2, #KEYS do
  local key = KEYS[k]
  local count = tonumber(ARGV[arg])
  arg = arg + 1

  local totalHi, totalLo, ownHi, ownLo = 0, 0, 0, 0
  local shards = redis.call('HGETALL', key)
  for i = 1, #shards, 2 do
    local hi, lo = parse(shards[i + 1])
    totalHi, totalLo = add(totalHi, totalLo, hi, lo)
    if shards[i] == node then
      ownHi, ownLo = hi, lo
    end
  end

  local changed = false
  local idsKey, previousIdsKey = nil, nil
  local records = {}
  for _ = 1, count do
    local delta, id = ARGV[arg], ARGV[arg + 1]
    arg = arg + 2
    local seen = false
    if id ~= '' then
      if idsKey == nil then
        local b = currentBucket()
        idsKey = key .. ':i:' .. string.format('%d', b)
        previousIdsKey = key .. ':i:' .. string.format('%d', b - 1)
      end
      seen = records[id] or redis.call('HGET', idsKey, id) or redis.call('HGET', previousIdsKey, id)
    end
    if seen then
      out[#out + 1] = 'd' .. seen
      -- Recorded again: keeps it for this window and makes a WAIT after this call cover it.
      records[id] = seen
    else
      local deltaHi, deltaLo = parse(delta)
      local newTotalHi, newTotalLo = add(totalHi, totalLo, deltaHi, deltaLo)
      local newOwnHi, newOwnLo = add(ownHi, ownLo, deltaHi, deltaLo)
      if fits(newTotalHi, newTotalLo) and fits(newOwnHi, newOwnLo) then
        totalHi, totalLo, ownHi, ownLo = newTotalHi, newTotalLo, newOwnHi, newOwnLo
        changed = changed or deltaHi ~= 0 or deltaLo ~= 0
        local value = format(totalHi, totalLo)
        out[#out + 1] = '=' .. value
        if id ~= '' then
          records[id] = value
        end
      else
        out[#out + 1] = 'o'
      end
    end
  end
  writes[#writes + 1] = {key, changed and format(ownHi, ownLo) or nil, idsKey, records}
end

for _, write in ipairs(writes) do
  local key, own, idsKey, records = write[1], write[2], write[3], write[4]
  if own ~= nil then
    redis.call('HSET', key, node, own)
  end
  if idsKey ~= nil then
    local recorded = false
    for id, value in pairs(records) do
      redis.call('HSET', idsKey, id, value)
      recorded = true
    end
    if recorded then
      -- Keep a bucket until one full window after its own end.
      redis.call('PEXPIREAT', idsKey, string.format('%d', (currentBucket() + 2) * window))
    end
  end
end

-- Written last: a token must never claim a write that was not applied.
if withToken then
  redis.call('SET', tokenKey, '1', 'PX', ARGV[2])
end
return out
