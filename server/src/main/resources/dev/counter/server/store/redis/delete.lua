-- Removes a counter and everything it owns, atomically, and returns its shards as they were.
--
-- KEYS     value record0 record1 meta window*   every key of the counter, the windows as Java
--                                               read them from meta beforehand
-- ARGV     wid*                                 the ids of those windows, in the same order
-- Returns  { 'retry' }                          meta changed meanwhile (a new window): nothing
--                                               removed; read meta again and resend
--        | { 'ok', shard* }                     removed; shard = every node's shard before (the
--                                               caller sums them exactly)
local listed = redis.call('HKEYS', KEYS[4])
if #listed ~= #ARGV then
  return {'retry'}
end
local expected = {}
for i = 1, #ARGV do
  expected[ARGV[i]] = true
end
for i = 1, #listed do
  if not expected[listed[i]] then
    return {'retry'}
  end
end
local out = {'ok'}
local shards = redis.call('HVALS', KEYS[1])
for i = 1, #shards do
  out[#out + 1] = shards[i]
end
redis.call('DEL', unpack(KEYS))
return out
