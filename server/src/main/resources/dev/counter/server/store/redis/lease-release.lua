-- Deletes a node-id lease only while this process still holds it (compare-and-delete).
-- KEYS[1] lease key, ARGV[1] holder token. Returns 1 when released, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
