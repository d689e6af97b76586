-- Applies one write of a counter-server node: a batch of increments for one or more counters
-- (all in one cluster slot), atomically.
--
-- KEYS[1]        the write-token key (only used when ARGV[3] == '1')
-- KEYS[2..n+1]   one hash per counter; field = node id, value = that node's shard (decimal int64)
-- ARGV[1]        this node's id (the field it adds to)
-- ARGV[2]        idempotency window in milliseconds
-- ARGV[3]        '1' when the write carries a token: a resend of an applied write applies nothing
-- ARGV[4..]      per counter, in KEYS order, one of three forms:
--                  '1', delta                    a single increment without request id
--                  'c', sum, highest, lowest, c deltas
--                                                c increments without request ids; the deltas'
--                                                sum, highest and lowest running sum (computed
--                                                exactly by the caller; sum 'x' when they do not
--                                                fit an int64)
--                  'ic', c deltas, c request ids c increments with request ids ('' for none)
--
-- Returns, per counter in order, one of:
--   'S' and every shard's value before the write, comma-separated (decimal int64s), when every
--     increment was applied and none was a duplicate: the caller sums them exactly and adds the
--     deltas up;
--   one string 'F<value>', the same with the sum computed here (values too long for the above);
--   one string per increment: '=<value>' applied (the counter's value right after it), 'd<value>'
--     duplicate request id (the first attempt's value), 'o' rejected because the counter or this
--     node's shard would leave the int64 range.
-- Returns {'w'} when the token shows that this write was applied before.
--
-- The two whole-batch paths need no work per increment: without request ids, the running total
-- stays in range for every prefix of the batch exactly when it does for the highest and the
-- lowest running sum. The cheapest ('S') does not even parse a number: when the shards and
-- the running sums are all shorter than 17 characters (|v| < 10^16) and there are at most 512
-- shards, no total can leave int64, so checking string lengths is enough.
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

-- 17+ characters may reach 10^16; 512 such shards plus a running sum stay below 2^63 - 1.
local SHORT, MAX_SHORT_SHARDS = 16, 512

-- A value HINCRBY accepts and that Java parses: canonical decimal, no sign on zero.
local function canonical(s)
  return s == '0' or string.find(s, '^%-?[1-9]%d*$') ~= nil
end

-- The shard values of a counter when the whole batch surely fits without parsing any, else nil.
local function shortShards(key, highest, lowest)
  if #highest > SHORT or #lowest > SHORT then
    return nil
  end
  local values = redis.call('HVALS', key)
  if #values > MAX_SHORT_SHARDS then
    return nil
  end
  for i = 1, #values do
    local v = values[i]
    if #v > SHORT or not canonical(v) then
      return nil
    end
  end
  return values
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

-- Decides a counter's increments one by one, parsing every number into limbs: the path for
-- request ids, and for values too long for shortShards. Appends to out and writes.
local function decideEach(out, writes, key, withIds, single, count, sum, highest, lowest, deltas, ids)
  local totalHi, totalLo, ownHi, ownLo = 0, 0, 0, 0
  local shards = redis.call('HGETALL', key)
  for i = 1, #shards, 2 do
    local hi, lo = parse(shards[i + 1])
    totalHi, totalLo = add(totalHi, totalLo, hi, lo)
    if shards[i] == node then
      ownHi, ownLo = hi, lo
    end
  end

  if not withIds and not single and sum ~= 'x' then
    local highHi, highLo = parse(highest)
    local lowHi, lowLo = parse(lowest)
    local tHighHi, tHighLo = add(totalHi, totalLo, highHi, highLo)
    local tLowHi, tLowLo = add(totalHi, totalLo, lowHi, lowLo)
    local oHighHi, oHighLo = add(ownHi, ownLo, highHi, highLo)
    local oLowHi, oLowLo = add(ownHi, ownLo, lowHi, lowLo)
    if fits(tHighHi, tHighLo) and fits(tLowHi, tLowLo) and fits(oHighHi, oHighLo) and fits(oLowHi, oLowLo) then
      out[#out + 1] = 'F' .. format(totalHi, totalLo)
      -- HINCRBY adds the exact sum in C; the check above guarantees the shard stays in range.
      writes[#writes + 1] = {key, 'add', sum ~= '0' and sum or nil, nil, nil}
      return
    end
  end

  local changed = false
  local idsKey, previousIdsKey = nil, nil
  local records = {}
  for j = 0, count - 1 do
    local delta = ARGV[deltas + j]
    local id = withIds and ARGV[ids + j] or ''
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
  if single then
    writes[#writes + 1] = {key, 'add', changed and ARGV[deltas] or nil, nil, nil}
  else
    writes[#writes + 1] = {key, 'set', changed and format(ownHi, ownLo) or nil, idsKey, records}
  end
end

-- Pass 1 reads and decides everything; pass 2 writes. Redis does not roll back a script that
-- fails half way, so anything that can fail (a foreign value in a hash, a key of the wrong type)
-- must fail before the first write.
local out = {}
local writes = {}
-- Whole-batch additions of the length-only path, kept apart: no table per write.
local addKeys, addDeltas = {}, {}
local arg = 4
for k = 2, #KEYS do
  local key = KEYS[k]
  local header = ARGV[arg]
  local short, delta = nil, nil
  if header == '1' then
    -- One increment without request id: the common case, kept cheap.
    delta = ARGV[arg + 1]
    short = shortShards(key, delta, delta)
    if short == nil then
      decideEach(out, writes, key, false, true, 1, nil, nil, nil, arg + 1, arg + 2)
    end
    arg = arg + 2
  else
    local withIds = string.byte(header, 1) == 105 -- 'i'
    local count = tonumber(withIds and string.sub(header, 2) or header)
    local sum, highest, lowest, deltas
    if withIds then
      deltas = arg + 1
    else
      sum, highest, lowest = ARGV[arg + 1], ARGV[arg + 2], ARGV[arg + 3]
      deltas = arg + 4
    end
    local ids = deltas + count
    arg = ids + (withIds and count or 0)
    if not withIds and sum ~= 'x' then
      short = shortShards(key, highest, lowest)
      delta = sum
    end
    if short == nil then
      decideEach(out, writes, key, withIds, false, count, sum, highest, lowest, deltas, ids)
    end
  end
  if short ~= nil then
    out[#out + 1] = 'S' .. table.concat(short, ',')
    if delta ~= '0' then
      addKeys[#addKeys + 1] = key
      addDeltas[#addDeltas + 1] = delta
    end
  end
end

for i = 1, #addKeys do
  redis.call('HINCRBY', addKeys[i], node, addDeltas[i])
end
for _, write in ipairs(writes) do
  local key, how, value, idsKey, records = write[1], write[2], write[3], write[4], write[5]
  if value ~= nil then
    if how == 'add' then
      redis.call('HINCRBY', key, node, value)
    else
      redis.call('HSET', key, node, value)
    end
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
