-- Atomically removes every shard of one counter and returns the shard values it had (decimal
-- strings; the caller sums them exactly). Idempotency records are kept on purpose: a retry of an
-- increment acknowledged before the reset must still be recognised as a duplicate.
--
-- KEYS[1]  the counter's hash
local shards = redis.call('HVALS', KEYS[1])
redis.call('DEL', KEYS[1])
return shards
