import type { LuaScript } from "../redis/script.ts";

/**
 * Creates a session and keeps the tenant's live-session index within its cap.
 * KEYS[1] the new session's record, KEYS[2] the tenant's index (session id -> last use, epoch ms); both named by
 * src/redis/keys.ts (`sessionKey`, `sessionIndexKey`), and both hold the tenant id, so one script never spans tenants.
 * ARGV: record JSON, TTL seconds, now (epoch ms), most live sessions, the new session's id.
 * Returns the ids of the sessions it removed from the index to make room (their records are the caller's to delete).
 */
export const CREATE_SESSION: LuaScript = {
  source: `
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl * 1000)
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4]) + 1
local evicted = {}
if over > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #popped, 2 do evicted[#evicted + 1] = popped[i] end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
redis.call('EXPIRE', KEYS[2], ttl)
return evicted
`,
};

/** SHA-1 of {@link CREATE_SESSION}, written out like {@link TOUCH_SESSION_SHA} (a unit test checks it). */
export const CREATE_SESSION_SHA = "45a502e81de516ef911ced0b7f37fef78a7e88ef";

/**
 * Reads a session, refreshes its TTL and, only when it exists, its last use in the tenant's index (so a forged or
 * expired id never enters or stays fresh in it). KEYS[1] the session's record, KEYS[2] the tenant's index.
 * ARGV: TTL seconds, now (epoch ms), the session id. Returns the record, or nil.
 */
export const TOUCH_SESSION: LuaScript = {
  source: `
local record = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])
if record then
  redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return record
`,
};

/**
 * SHA-1 of {@link TOUCH_SESSION}, written out (a unit test checks it): `touch` must issue its command in the same tick
 * as admission's other commands to share their pipelined request, and computing a digest is asynchronous.
 */
export const TOUCH_SESSION_SHA = "4cdbedceba850c4f8b0731c622d3cae79b7be80d";
