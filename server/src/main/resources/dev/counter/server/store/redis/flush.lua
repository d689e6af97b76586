-- flush.lua: applies one flush of a counter-server node, atomically: the increments of one or
-- more counters that share a cluster slot.
--
-- WIRE FORMAT (protocol 2). The Java side is dev.counter.server.store.redis.FlushProtocol: it
-- builds KEYS and ARGV and reads the reply exactly as written here. Change the two together (and
-- FlushProtocolTest with them).
--
-- Every key the script reads or writes is declared in KEYS: Redis Cluster routes, migrates and
-- refuses commands by their declared keys. Keys are taken in order: the token key when there is
-- one, then, counter by counter, the keys its form lists.
--
--   ARGV     := node window token counter+
--   node     := this node's id: its field in every value hash
--   window   := this node's idempotency window in milliseconds (see RECORDS)
--   token    := 'T'                     the first key is a write token: when it exists, this write
--                                       was applied before and nothing is applied now
--             | '-'                     no token
--   counter  := 'a' delta               one increment without request id       keys: value
--             | 'A' sum high low deltas several increments without request ids keys: value
--             | 'I' count deltas id*    count increments, each with its request id ('' for none)
--                                                                              keys: value record0 record1
--             | 'L' nwin window* npol policy* count op*
--                                       increments with windows, limits or expiry, decided one by
--                                       one in order     keys: value record0 record1 meta window*
--   window   := wid kind data retention  one window of the counter (keys: its bucket hash, in order)
--   wid      := the window's id, listed in meta ('f60000', 'cM:Asia/Kolkata')
--   kind data:= 'f' size                periods of size ms aligned to the epoch; the script finds
--                                       the current one from the Redis clock
--             | 'c' starts              calendar periods: 'index:startMs,...' for consecutive
--                                       indexes around the node's clock (the next period's start
--                                       ends the one before); the current one is the period whose
--                                       range holds the Redis clock
--   retention:= ms a bucket is kept after its period ended
--   policy   := mode ttl nw w* nlim limit*
--   mode     := 'E' enforce | 'S' shadow (decide, always apply) | 'D' dry run (decide, apply nothing)
--   ttl      := idle expiry in ms set on the counter's value and records when applied, and on
--               its windows and meta unless they are kept longer; '0' for none
--   w        := a window the increment counts into (1-based, in this counter's window list)
--   limit    := scope w periods min max
--   scope    := 'v' the value | 'p' the current period of window w | 's' the last periods of w
--   min, max := inclusive bounds, decimal int64 or '' for none
--   op       := delta id policy          policy: 1-based, or 0 for a plain increment
--   delta    := a canonical decimal int64
--   sum      := the deltas' exact sum, or 'x' when it leaves int64
--   high low := the highest and lowest running sum of the deltas (0 included), decimal int64s
--   deltas   := every delta, comma-separated, in order (read only when the sums cannot decide)
--   id       := a request id: any bytes, at most 128; '' for none
--
--   REPLY    := { 'w' }                 the token exists: nothing applied
--             | { result* }             for each counter in order:
--   result   := 'S' shards              ('a'/'A') every increment applied; shards = the value of
--                                       every shard before them, comma-separated (empty: none)
--             | 'F' value               ('a'/'A') every increment applied; value = the counter's
--                                       value before them (when shards are too long for 'S')
--             | item{count}             ('I', 'L', or 'a'/'A' when some increment would leave int64)
--   item     := '=' value               applied; value = the counter right after it
--             | decided                 ('L', an increment with a policy)
--             | 'd' recorded            a duplicate request id: nothing applied; recorded = the
--                                       item ('=' excepted) the first attempt was answered with
--             | 'o'                     rejected: the counter, this node's shard or a window's
--                                       bucket would leave int64
--   recorded := value | decided
--   decided  := 'L' applied verdict ';' value ';' periods ';' limits ';' retry
--   applied  := '1' the delta was added (value, every window) | '0' nothing was added
--   verdict  := 'A' allowed | 'D' denied | '-' no limits
--   value    := the counter after the increment when applied, else as it is
--   periods  := per window of the policy, '/'-separated: start ',' end ',' total (ms, ms, int64)
--   limits   := per limit, '/'-separated: sum ',' remaining ',' exceeded ',' from ',' to
--               (sum after the increment when applied; exceeded '1'/'0'; from/to the time range
--               the sum covers, '' for the value; sum and remaining are clamped to the int64
--               range: a sliding sum or max - sum may leave it)
--   retry    := when denied, ms until the same delta would first fit; '' when never (or allowed)
--
-- WINDOWS. Each window of a counter is one hash, a ring of RING slots: the bucket of period i is
-- field (i mod RING) with value 'i:total'; a slot holding another period reads 0. The hash expires
-- (Redis key expiry) retention after the end of the last period written, or later when another
-- write asked for more: expiries only extend (see writeWindows). Field wid of the meta hash lists
-- every window the counter has (Delete finds them there); the meta hash outlives every window.
--
-- LIMITS. An increment's limits are checked against the sums as they are after every increment
-- before it in this flush, in order: the same sequential order as the values returned.
--
-- RECORDS. A counter's request ids live in two hashes used as alternating generations (record0,
-- record1). Field '' of each holds 'start:window': when the generation began (ms, Redis clock)
-- and the largest idempotency window of the nodes that wrote into it. Every other field is a
-- request id with the item value it was answered with. Ids are looked up in both generations and
-- recorded in the newer one; once the newer one is older than every window involved, the other is
-- cleared and becomes the newer. A record therefore lives at least its writer's window, whichever
-- node looks it up and whatever window that node runs with: key names never depend on a setting.
--
-- NUMBERS. Lua numbers are doubles, exact only up to 2^53. An int64 is held as two exact limbs
-- (hi, lo), value = hi * 10^9 + lo with 0 <= lo < 10^9, and crosses the boundary as a decimal
-- string: no counter value is ever a single Lua number.
--
-- Pass 1 reads and decides everything; pass 2 writes. Redis does not roll back a script that
-- fails half way, so anything that can fail (a foreign value in a hash, a key of the wrong type)
-- fails before the first write.

-- FAST PATH. A flush of plain increments only ('a' and 'A' forms, no token) whose shards and
-- running sums are all short: string lengths decide that no total can leave int64 (see
-- shortShards below, which this repeats inline). Written without helper functions on purpose:
-- Lua creates every function of the chunk each time the script runs, which costs several times
-- the work of such a flush. Anything else falls through to the general path below; this part
-- writes nothing until it knows every counter qualifies.
if ARGV[3] == '-' then
  local out, valueKeys, sums = {}, {}, {}
  local i, k, fast = 4, 1, true
  while i <= #ARGV do
    local form, sum, high, low = ARGV[i], nil, nil, nil
    if form == 'a' then
      sum = ARGV[i + 1]
      if string.byte(sum, 1) == 45 then
        high, low = '0', sum
      else
        high, low = sum, '0'
      end
      i = i + 2
    elseif form == 'A' then
      sum, high, low = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
      i = i + 5
    else
      fast = false
      break
    end
    if sum == 'x' or #high > 16 or #low > 16 then
      fast = false
      break
    end
    local shards = redis.call('HVALS', KEYS[k])
    if #shards > 512 then
      fast = false
      break
    end
    for j = 1, #shards do
      local v = shards[j]
      if #v > 16 or not (v == '0' or string.find(v, '^%-?[1-9]%d*$')) then
        fast = false
        break
      end
    end
    if not fast then
      break
    end
    out[k] = 'S' .. table.concat(shards, ',')
    valueKeys[k], sums[k] = KEYS[k], sum
    k = k + 1
  end
  if fast then
    for j = 1, #valueKeys do
      if sums[j] ~= '0' then
        redis.call('HINCRBY', valueKeys[j], ARGV[1], sums[j])
      end
    end
    return out
  end
end

-- GENERAL PATH --------------------------------------------------------------------------------

local B = 1000000000
local MAX_HI, MAX_LO = 9223372036, 854775807   --  9223372036854775807
local MIN_HI, MIN_LO = -9223372037, 145224192  -- -9223372036854775808

-- int64 limbs --------------------------------------------------------------------------------

local function parse(s)
  if #s <= 15 then
    -- |v| < 10^15 < 2^53: exact as a Lua number.
    local n = tonumber(s)
    if n == nil then
      error('not an int64: ' .. s)
    end
    local hi = math.floor(n / B)
    return hi, n - hi * B
  end
  local negative = string.byte(s, 1) == 45 -- '-'
  local digits = negative and string.sub(s, 2) or s
  local n = #digits
  local hi = tonumber(string.sub(digits, 1, n - 9))
  local lo = tonumber(string.sub(digits, n - 8))
  if hi == nil or lo == nil then
    error('not an int64: ' .. s)
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

local function sub(ah, al, bh, bl)
  local lo = al - bl
  if lo < 0 then
    return ah - bh - 1, lo + B
  end
  return ah - bh, lo
end

local function less(ah, al, bh, bl)
  return ah < bh or (ah == bh and al < bl)
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

-- A number for a reply that may leave int64 (a sliding sum, what remains of a limit): clamped to
-- the int64 range, so that one counter's reply can never fail the decoding of a whole write.
local function saturated(hi, lo)
  if hi > MAX_HI or (hi == MAX_HI and lo > MAX_LO) then
    return '9223372036854775807'
  elseif hi < MIN_HI or (hi == MIN_HI and lo < MIN_LO) then
    return '-9223372036854775808'
  end
  return format(hi, lo)
end

-- the Redis clock -----------------------------------------------------------------------------

local nowMillis = nil
local function now()
  if nowMillis == nil then
    local time = redis.call('TIME')
    nowMillis = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return nowMillis
end

-- arguments and keys --------------------------------------------------------------------------

local nextArg, nextKey = 1, 1
local function arg()
  local value = ARGV[nextArg]
  nextArg = nextArg + 1
  return value
end
local function key()
  local value = KEYS[nextKey]
  nextKey = nextKey + 1
  return value
end

local node = arg()
local window = tonumber(arg())
local tokenKey = arg() == 'T' and key() or nil

-- the value hash ------------------------------------------------------------------------------

-- 17+ characters may reach 10^16; 512 such shards plus a running sum stay below 2^63 - 1.
local SHORT, MAX_SHORT_SHARDS = 16, 512

-- A value HINCRBY accepts and Java parses: canonical decimal, no sign on zero.
local function canonical(s)
  return s == '0' or string.find(s, '^%-?[1-9]%d*$') ~= nil
end

-- The shards of a counter when a batch with these running sums surely fits without parsing any
-- number (string lengths decide), else nil.
local function shortShards(valueKey, high, low)
  if #high > SHORT or #low > SHORT then
    return nil
  end
  local values = redis.call('HVALS', valueKey)
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

-- The counter's total and this node's shard, as limbs, and whether HINCRBY can add to that
-- shard (it refuses a non-canonical value that some foreign writer left).
local function readShards(valueKey)
  local totalHi, totalLo, ownHi, ownLo, addable = 0, 0, 0, 0, true
  local shards = redis.call('HGETALL', valueKey)
  for i = 1, #shards, 2 do
    local hi, lo = parse(shards[i + 1])
    totalHi, totalLo = add(totalHi, totalLo, hi, lo)
    if shards[i] == node then
      ownHi, ownLo, addable = hi, lo, canonical(shards[i + 1])
    end
  end
  return totalHi, totalLo, ownHi, ownLo, addable
end

-- True when a batch whose running sums stay within [low, high] keeps both the total and this
-- node's shard in range at every step.
local function batchFits(totalHi, totalLo, ownHi, ownLo, high, low)
  local highHi, highLo = parse(high)
  local lowHi, lowLo = parse(low)
  return fits(add(totalHi, totalLo, highHi, highLo)) and fits(add(totalHi, totalLo, lowHi, lowLo))
      and fits(add(ownHi, ownLo, highHi, highLo)) and fits(add(ownHi, ownLo, lowHi, lowLo))
end

-- records ---------------------------------------------------------------------------------------

-- A generation header 'start:window', or nil.
local function header(recordKey)
  local value = redis.call('HGET', recordKey, '')
  if not value then
    return nil
  end
  local colon = string.find(value, ':', 1, true)
  return {key = recordKey, start = tonumber(string.sub(value, 1, colon - 1)),
          window = tonumber(string.sub(value, colon + 1))}
end

-- Opens a counter's records: finds the newer generation and whether it must rotate. Reads only.
local function openRecords(key0, key1)
  local h0, h1 = header(key0), header(key1)
  local newer, older = h0, h1
  if h0 == nil or (h1 ~= nil and h1.start > h0.start) then
    newer, older = h1, h0
  end
  local records = {newer = newer, older = older, key0 = key0, key1 = key1, found = {}}
  local longest = window
  if newer ~= nil and newer.window > longest then longest = newer.window end
  if older ~= nil and older.window > longest then longest = older.window end
  records.rotate = newer == nil or now() - newer.start >= longest
  return records
end

-- Looks up request ids (a list without '') in both generations; fills records.found[id].
local function lookUp(records, ids)
  if #ids == 0 then
    return
  end
  local missing = ids
  for _, generation in ipairs({records.newer, records.older}) do
    if generation ~= nil and #missing > 0 then
      local values = redis.call('HMGET', generation.key, unpack(missing))
      local still = {}
      for i = 1, #missing do
        if values[i] then
          records.found[missing[i]] = values[i]
        else
          still[#still + 1] = missing[i]
        end
      end
      missing = still
    end
  end
end

-- Writes the records of one counter (a table id -> item value) into the newer generation,
-- rotating first when due. Pass 2.
local function record(records, written)
  if next(written) == nil then
    return
  end
  local target = records.newer
  if records.rotate then
    -- The older generation (or, with none yet, the spare key) is cleared and becomes the newer.
    local reuse = records.older and records.older.key
        or (records.newer and (records.newer.key == records.key0 and records.key1 or records.key0))
        or records.key0
    redis.call('DEL', reuse)
    target = {key = reuse, start = now(), window = window}
    redis.call('HSET', reuse, '', string.format('%d:%d', target.start, window))
  elseif target.window < window then
    redis.call('HSET', target.key, '', string.format('%d:%d', target.start, window))
  end
  -- One HSET of every record (HSET takes many field-value pairs), in chunks that unpack can pass.
  local pairs_ = {}
  for id, value in pairs(written) do
    pairs_[#pairs_ + 1] = id
    pairs_[#pairs_ + 1] = value
    if #pairs_ >= 7000 then
      redis.call('HSET', target.key, unpack(pairs_))
      pairs_ = {}
    end
  end
  if #pairs_ > 0 then
    redis.call('HSET', target.key, unpack(pairs_))
  end
  if redis.call('PTTL', target.key) < window then
    redis.call('PEXPIRE', target.key, window)
  end
end

-- deciding ------------------------------------------------------------------------------------

local out = {}
local adds = {}      -- {key, delta}: whole-batch additions (HINCRBY)
local sets = {}      -- {key, value}: this node's shard after increments decided one by one (HSET)
local recordings = {} -- {records, written}

-- Decides increments one by one in limbs. deltas: list of delta strings; ids: list (or nil).
local function decideEach(valueKey, deltas, ids, records)
  local totalHi, totalLo, ownHi, ownLo = readShards(valueKey)
  local changed = false
  local written = {}
  for j = 1, #deltas do
    local id = ids and ids[j] or ''
    local seen = id ~= '' and (written[id] or records.found[id]) or nil
    if seen then
      out[#out + 1] = 'd' .. seen
      -- Recorded again: keeps it another window, and a WAIT after this write covers it.
      written[id] = seen
    else
      local deltaHi, deltaLo = parse(deltas[j])
      local newTotalHi, newTotalLo = add(totalHi, totalLo, deltaHi, deltaLo)
      local newOwnHi, newOwnLo = add(ownHi, ownLo, deltaHi, deltaLo)
      if fits(newTotalHi, newTotalLo) and fits(newOwnHi, newOwnLo) then
        totalHi, totalLo, ownHi, ownLo = newTotalHi, newTotalLo, newOwnHi, newOwnLo
        changed = changed or deltaHi ~= 0 or deltaLo ~= 0
        local value = format(totalHi, totalLo)
        out[#out + 1] = '=' .. value
        if id ~= '' then
          written[id] = value
        end
      else
        out[#out + 1] = 'o'
      end
    end
  end
  if changed then
    -- Set, not added: the limbs are exact, and a foreign non-canonical shard is rewritten.
    sets[#sets + 1] = {valueKey, format(ownHi, ownLo)}
  end
  if records ~= nil then
    recordings[#recordings + 1] = {records, written}
  end
end

local function split(joined)
  local list = {}
  for item in string.gmatch(joined, '[^,]+') do
    list[#list + 1] = item
  end
  return list
end

-- Increments without request ids, given by their sum and running extremes: decided as a whole
-- when that is enough, one by one otherwise.
local function decideSum(valueKey, sum, high, low, deltas)
  local short = sum ~= 'x' and shortShards(valueKey, high, low)
  if short then
    out[#out + 1] = 'S' .. table.concat(short, ',')
    if sum ~= '0' then
      adds[#adds + 1] = {valueKey, sum}
    end
    return
  end
  if sum ~= 'x' then
    local totalHi, totalLo, ownHi, ownLo, addable = readShards(valueKey)
    if addable and batchFits(totalHi, totalLo, ownHi, ownLo, high, low) then
      out[#out + 1] = 'F' .. format(totalHi, totalLo)
      -- HINCRBY adds the exact sum in C; the check above keeps the shard in range.
      if sum ~= '0' then
        adds[#adds + 1] = {valueKey, sum}
      end
      return
    end
  end
  decideEach(valueKey, deltas(), nil, nil)
end


-- windows and limits (form 'L') ----------------------------------------------------------------

-- Built on first use: Lua creates every function of a chunk each time the script runs, and these
-- are only needed by counters with windows, limits or expiry.
local policyForms = nil
local function policies()
  if policyForms ~= nil then
    return policyForms
  end

  local RING = 4100

  -- Reads one counter's window list; the bucket hashes' keys follow in KEYS.
  local function readWindows()
    local windows = {}
    for w = 1, tonumber(arg()) do
      local win = {id = arg(), kind = arg(), data = arg(), retention = tonumber(arg()),
                   buckets = {}, dirty = {}, sliding = {}, span = 1}
      if win.kind == 'f' then
        local size = tonumber(win.data)
        win.start = function(i) return i * size end
        win.cur = math.floor(now() / size)
      else
        local starts, first, last = {}, nil, nil
        for i, start in string.gmatch(win.data, '(%-?%d+):(%-?%d+)') do
          i = tonumber(i)
          starts[i] = tonumber(start)
          first = first or i
          last = i
        end
        win.start = function(i)
          local start = starts[i]
          if start == nil then
            error('window ' .. win.id .. ': no start given for period ' .. i .. ' (node clock far from the Redis clock?)')
          end
          return start
        end
        local t = now()
        for i = first, last - 1 do
          if starts[i] <= t and t < starts[i + 1] then
            win.cur = i
          end
        end
        if win.cur == nil then
          error('window ' .. win.id .. ': the Redis clock is outside the periods given (node clock far from it?)')
        end
      end
      windows[w] = win
    end
    return windows
  end

  local function bound(text)
    if text == '' then
      return nil
    end
    local hi, lo = parse(text)
    return {hi = hi, lo = lo}
  end

  local function readPolicies(windows)
    local policies = {}
    for p = 1, tonumber(arg()) do
      local policy = {mode = arg(), ttl = tonumber(arg()), windows = {}, limits = {}}
      for i = 1, tonumber(arg()) do
        policy.windows[i] = windows[tonumber(arg())]
      end
      for i = 1, tonumber(arg()) do
        local limit = {scope = arg(), window = windows[tonumber(arg())], periods = tonumber(arg())}
        limit.min, limit.max = bound(arg()), bound(arg())
        if limit.scope == 's' and limit.periods > limit.window.span then
          limit.window.span = limit.periods
        end
        policy.limits[i] = limit
      end
      policies[p] = policy
    end
    return policies
  end

  -- Reads the buckets of the current period and the span before it, one HMGET per window.
  local function loadBuckets(win)
    local fields, indexes = {}, {}
    for i = win.cur - win.span + 1, win.cur do
      indexes[#indexes + 1] = i
      fields[#fields + 1] = string.format('%d', i % RING)
    end
    local values = redis.call('HMGET', win.key, unpack(fields))
    for n = 1, #indexes do
      local hi, lo = 0, 0
      local stored = values[n]
      if stored then
        local colon = string.find(stored, ':', 1, true)
        if tonumber(string.sub(stored, 1, colon - 1)) == indexes[n] then
          hi, lo = parse(string.sub(stored, colon + 1))
        end
      end
      win.buckets[indexes[n]] = {hi, lo}
    end
  end

  local function bucket(win, i)
    local b = win.buckets[i]
    return b[1], b[2]
  end

  -- The sum of the last k periods of a window, kept up to date as increments apply.
  local function sliding(win, k)
    local sum = win.sliding[k]
    if sum == nil then
      local hi, lo = 0, 0
      for i = win.cur - k + 1, win.cur do
        hi, lo = add(hi, lo, bucket(win, i))
      end
      sum = {hi, lo}
      win.sliding[k] = sum
    end
    return sum[1], sum[2]
  end

  local function limitSum(limit, totalHi, totalLo)
    if limit.scope == 'v' then
      return totalHi, totalLo
    elseif limit.scope == 'p' then
      return bucket(limit.window, limit.window.cur)
    end
    return sliding(limit.window, limit.periods)
  end

  local function within(limit, hi, lo)
    return (limit.max == nil or not less(limit.max.hi, limit.max.lo, hi, lo))
        and (limit.min == nil or not less(hi, lo, limit.min.hi, limit.min.lo))
  end

  local function remaining(limit, hi, lo)
    local rHi, rLo
    if limit.max ~= nil then
      rHi, rLo = sub(limit.max.hi, limit.max.lo, hi, lo)
    else
      rHi, rLo = sub(hi, lo, limit.min.hi, limit.min.lo)
    end
    if rHi < 0 then
      return '0'
    end
    return saturated(rHi, rLo)
  end

  -- Ms until the same delta first fits this limit as time passes, or nil when it never will.
  local function retryAfter(limit, sumHi, sumLo, deltaHi, deltaLo)
    local win = limit.window
    if limit.scope == 'v' then
      return nil
    elseif limit.scope == 'p' then
      return within(limit, deltaHi, deltaLo) and win.start(win.cur + 1) - now() or nil
    end
    -- Sliding: the oldest bucket leaves when the next period starts, then the next oldest...
    local hi, lo = sumHi, sumLo
    for i = 0, limit.periods - 1 do
      hi, lo = sub(hi, lo, bucket(win, win.cur - limit.periods + 1 + i))
      if within(limit, add(hi, lo, deltaHi, deltaLo)) then
        return win.start(win.cur + 1 + i) - now()
      end
    end
    return nil
  end

  local function covered(limit)
    if limit.scope == 'v' then
      return ','
    end
    local win = limit.window
    local first = limit.scope == 'p' and win.cur or win.cur - limit.periods + 1
    return string.format('%d,%d', win.start(first), win.start(win.cur + 1))
  end

  -- Decides one increment that carries a policy; returns its item. Updates the state when applied.
  local function decidePolicy(state, policy, delta)
    local deltaHi, deltaLo = parse(delta)
    local sums, exceeded, denied = {}, {}, false
    for i, limit in ipairs(policy.limits) do
      local hi, lo = limitSum(limit, state.totalHi, state.totalLo)
      sums[i] = {hi, lo}
      exceeded[i] = not within(limit, add(hi, lo, deltaHi, deltaLo))
      denied = denied or exceeded[i]
    end
    local apply = policy.mode == 'S' or (policy.mode == 'E' and not denied)
    if apply then
      local totalHi, totalLo = add(state.totalHi, state.totalLo, deltaHi, deltaLo)
      local ownHi, ownLo = add(state.ownHi, state.ownLo, deltaHi, deltaLo)
      if not (fits(totalHi, totalLo) and fits(ownHi, ownLo)) then
        return 'o'
      end
      for _, win in ipairs(policy.windows) do
        local hi, lo = bucket(win, win.cur)
        if not fits(add(hi, lo, deltaHi, deltaLo)) then
          return 'o'
        end
      end
      state.totalHi, state.totalLo, state.ownHi, state.ownLo = totalHi, totalLo, ownHi, ownLo
      state.applied = state.applied + 1
      if deltaHi ~= 0 or deltaLo ~= 0 then
        state.changed = true
        for _, win in ipairs(policy.windows) do
          -- A window named twice by one policy still counts the increment once.
          if win.countedBy ~= state.op then
            win.countedBy = state.op
            local b = win.buckets[win.cur]
            b[1], b[2] = add(b[1], b[2], deltaHi, deltaLo)
            win.dirty[win.cur] = true
            for _, sum in pairs(win.sliding) do
              sum[1], sum[2] = add(sum[1], sum[2], deltaHi, deltaLo)
            end
          end
        end
      end
      for _, win in ipairs(policy.windows) do
        win.written = true
      end
      if policy.ttl > 0 then
        state.ttl = policy.ttl
      end
    end
    local periods = {}
    for i, win in ipairs(policy.windows) do
      periods[i] = win.periodText .. format(bucket(win, win.cur))
    end
    local limits, retry, never = {}, 0, false
    for i, limit in ipairs(policy.limits) do
      local hi, lo = sums[i][1], sums[i][2]
      if apply then
        hi, lo = add(hi, lo, deltaHi, deltaLo)
      end
      limits[i] = saturated(hi, lo) .. ',' .. remaining(limit, hi, lo) .. (exceeded[i] and ',1,' or ',0,')
          .. limit.coveredText
      if exceeded[i] then
        -- Denials repeat: while nothing was applied since, the same delta gets the same answer.
        local memo = limit.retryMemo
        local after
        if memo ~= nil and memo.applied == state.applied and memo.delta == delta then
          after = memo.after
        else
          after = retryAfter(limit, sums[i][1], sums[i][2], deltaHi, deltaLo)
          limit.retryMemo = {applied = state.applied, delta = delta, after = after}
        end
        if after == nil then
          never = true
        elseif after > retry then
          retry = after
        end
      end
    end
    local verdict = #policy.limits == 0 and '-' or (denied and 'D' or 'A')
    return 'L' .. (apply and '1' or '0') .. verdict .. ';' .. format(state.totalHi, state.totalLo) .. ';'
        .. table.concat(periods, '/') .. ';' .. table.concat(limits, '/') .. ';'
        .. ((denied and not never) and string.format('%d', retry) or '')
  end

  local windowWrites = {} -- {win, ttl}
  local expiries = {}     -- {key, ttl}: idle expiry, set last

  local function decideWithPolicies(valueKey, key0, key1, metaKey)
    local windows = readWindows()
    for _, win in ipairs(windows) do
      win.key = key()
    end
    local policies = readPolicies(windows)
    for _, win in ipairs(windows) do
      loadBuckets(win)
    end
    local count = tonumber(arg())
    local ops, lookups, listed = {}, {}, {}
    for j = 1, count do
      local op = {delta = arg(), id = arg(), policy = tonumber(arg())}
      ops[j] = op
      if op.id ~= '' and not listed[op.id] then
        listed[op.id] = true
        lookups[#lookups + 1] = op.id
      end
    end
    -- Without request ids nothing is looked up or recorded: the generation headers stay unread.
    local records = #lookups > 0 and openRecords(key0, key1) or {found = {}}
    lookUp(records, lookups)
    local state = {applied = 0, op = 0}
    state.totalHi, state.totalLo, state.ownHi, state.ownLo = readShards(valueKey)
    -- Texts every reply of this flush repeats: the current period of each window, the range of each limit.
    for _, win in ipairs(windows) do
      win.periodText = string.format('%d,%d,', win.start(win.cur), win.start(win.cur + 1))
    end
    for _, policy in ipairs(policies) do
      for _, limit in ipairs(policy.limits) do
        limit.coveredText = covered(limit)
      end
    end
    local written = {}
    for _, op in ipairs(ops) do
      state.op = state.op + 1
      local seen = op.id ~= '' and (written[op.id] or records.found[op.id]) or nil
      local item
      if seen then
        out[#out + 1] = 'd' .. seen
        written[op.id] = seen
      else
        if op.policy == 0 then
          local deltaHi, deltaLo = parse(op.delta)
          local totalHi, totalLo = add(state.totalHi, state.totalLo, deltaHi, deltaLo)
          local ownHi, ownLo = add(state.ownHi, state.ownLo, deltaHi, deltaLo)
          if fits(totalHi, totalLo) and fits(ownHi, ownLo) then
            state.totalHi, state.totalLo, state.ownHi, state.ownLo = totalHi, totalLo, ownHi, ownLo
            state.applied = state.applied + 1
            state.changed = state.changed or deltaHi ~= 0 or deltaLo ~= 0
            item = '=' .. format(totalHi, totalLo)
          else
            item = 'o'
          end
        else
          item = decidePolicy(state, policies[op.policy], op.delta)
        end
        out[#out + 1] = item
        if op.id ~= '' and item ~= 'o' then
          written[op.id] = string.byte(item, 1) == 61 and string.sub(item, 2) or item -- '=' dropped
        end
      end
    end
    if state.changed then
      sets[#sets + 1] = {valueKey, format(state.ownHi, state.ownLo)}
    end
    recordings[#recordings + 1] = {records, written}
    local ttl = state.ttl or 0
    local ids = {}
    for _, win in ipairs(windows) do
      if win.written then
        windowWrites[#windowWrites + 1] = {win, ttl}
        ids[#ids + 1] = win.id
        ids[#ids + 1] = '1'
      end
    end
    if #ids > 0 or ttl > 0 then
      -- After this counter's windows: the meta hash must outlive every one of them.
      windowWrites[#windowWrites + 1] = {meta = metaKey, ids = ids, ttl = ttl}
    end
    if ttl > 0 then
      for _, k in ipairs({valueKey, key0, key1}) do
        expiries[#expiries + 1] = {k, ttl}
      end
    end
  end

  -- Writes the windows' buckets and expiries, and the meta hash. Pass 2.
  --
  -- Expiries only ever extend. Writers may name one window with different retentions (a
  -- statistics writer with 60 periods, a sliding limit over 120): the window lives as long as the
  -- longest asks, so no sum a limit reads loses a bucket early. A ttl that is shorter than the
  -- retention gives the window that shorter life, unless another write keeps it longer. The meta
  -- hash, which Delete reads to find the windows, is kept at least as long as each window written,
  -- so it never expires while one of them lives.
  local function writeWindows()
    local longest = 0 -- the longest expiry (ms from now) of the windows of the counter being written
    for _, write in ipairs(windowWrites) do
      if write.meta then
        if #write.ids > 0 then
          redis.call('HSET', write.meta, unpack(write.ids))
        end
        local target = write.ttl > longest and write.ttl or longest
        local current = redis.call('PTTL', write.meta)
        -- -2: no meta (a ttl on a counter without windows); -1: kept for good, unless a ttl asks.
        if current ~= -2 and (current >= 0 or write.ttl > 0) and current < target then
          redis.call('PEXPIRE', write.meta, string.format('%d', target))
        end
        longest = 0
      else
        local win, ttl = write[1], write[2]
        local fields = {}
        for i in pairs(win.dirty) do
          fields[#fields + 1] = string.format('%d', i % RING)
          fields[#fields + 1] = string.format('%d:', i) .. format(bucket(win, i))
        end
        if #fields > 0 then
          redis.call('HSET', win.key, unpack(fields))
        end
        local expire = win.start(win.cur + 1) + win.retention - now()
        if ttl > 0 and ttl < expire then
          expire = ttl
        end
        local current = redis.call('PTTL', win.key)
        if current < expire then
          redis.call('PEXPIRE', win.key, string.format('%d', expire))
        else
          expire = current
        end
        if expire > longest then
          longest = expire
        end
      end
    end
  end

  policyForms = {decide = decideWithPolicies, write = writeWindows, expiries = expiries}
  return policyForms
end

local FORMS = {
  a = function()
    local valueKey, delta = key(), arg()
    local negative = string.byte(delta, 1) == 45
    decideSum(valueKey, delta, negative and '0' or delta, negative and delta or '0',
        function() return {delta} end)
  end,
  A = function()
    local valueKey, sum, high, low, joined = key(), arg(), arg(), arg(), arg()
    decideSum(valueKey, sum, high, low, function() return split(joined) end)
  end,
  I = function()
    local valueKey, key0, key1 = key(), key(), key()
    local count, deltas = tonumber(arg()), split(arg())
    local ids, lookups, listed = {}, {}, {}
    for j = 1, count do
      local id = arg()
      ids[j] = id
      if id ~= '' and not listed[id] then
        listed[id] = true
        lookups[#lookups + 1] = id
      end
    end
    local records = openRecords(key0, key1)
    lookUp(records, lookups)
    decideEach(valueKey, deltas, ids, records)
  end,
  L = function()
    local valueKey, key0, key1, metaKey = key(), key(), key(), key()
    policies().decide(valueKey, key0, key1, metaKey)
  end,
}

-- main ----------------------------------------------------------------------------------------

if tokenKey ~= nil and redis.call('EXISTS', tokenKey) == 1 then
  -- Rewritten so that a WAIT after this resend also covers the original write.
  redis.call('SET', tokenKey, '1', 'PX', window)
  return {'w'}
end

while nextArg <= #ARGV do
  local form = FORMS[arg()]
  if form == nil then
    error('unknown counter form ' .. tostring(ARGV[nextArg - 1]))
  end
  form()
end

for i = 1, #adds do
  redis.call('HINCRBY', adds[i][1], node, adds[i][2])
end
for i = 1, #sets do
  redis.call('HSET', sets[i][1], node, sets[i][2])
end
if policyForms ~= nil then
  policyForms.write()
end
for i = 1, #recordings do
  record(recordings[i][1], recordings[i][2])
end
-- Last: an idle expiry applies to every key, records included, whatever was set above.
if policyForms ~= nil then
  for _, expiry in ipairs(policyForms.expiries) do
    redis.call('PEXPIRE', expiry[1], string.format('%d', expiry[2]))
  end
end
-- Written last: a token must never claim a write that was not applied.
if tokenKey ~= nil then
  redis.call('SET', tokenKey, '1', 'PX', window)
end
return out
