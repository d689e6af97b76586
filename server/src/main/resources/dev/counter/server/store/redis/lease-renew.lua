-- Extends a node-id lease only while this process still holds it (compare-and-expire).
-- KEYS[1] lease key, ARGV[1] holder token, ARGV[2] ttl in ms. Returns 1 when renewed, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
