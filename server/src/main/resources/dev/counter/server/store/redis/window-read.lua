-- Reads buckets of one window of a counter, with the Redis clock they were read at.
--
-- KEYS[1]  the window's bucket hash (flush.lua, WINDOWS, says what it holds)
-- ARGV     the fields to read: one ring slot per period, as Java computes them
-- Returns  { now, stored* }: now = the Redis clock in ms; per field, its value ('index:total')
--          or '' when the slot is empty. Java keeps a value only when its index is the period
--          asked for (a slot may hold an older period).
local time = redis.call('TIME')
local out = {string.format('%d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))}
if #ARGV > 0 then
  local values = redis.call('HMGET', KEYS[1], unpack(ARGV))
  for i = 1, #ARGV do
    out[i + 1] = values[i] or ''
  end
end
return out
