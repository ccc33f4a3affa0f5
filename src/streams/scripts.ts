import type { LuaScript } from "../redis/script.ts";

/**
 * Appends change events to a tenant's event stream, but only while someone may read them: a tenant with a live
 * stream slot, or whose stream still exists (its TTL keeps it readable for a client resuming with `Last-Event-ID`).
 * A tenant nobody listens to costs this one command per write and nothing stored.
 * KEYS[1] the tenant's stream slots (`streamSlotsKey`), KEYS[2] its events (`tenantEventsKey`).
 * ARGV: now (epoch ms), most entries kept, TTL ms, then (kind, uri) pairs. Returns how many entries it appended.
 */
export const PUBLISH_EVENTS: LuaScript = {
  source: `
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf') == 0 then return 0 end
local n = 0
for i = 4, #ARGV, 2 do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'k', ARGV[i], 'u', ARGV[i + 1])
  n = n + 1
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return n
`,
};
/** SHA-1 of {@link PUBLISH_EVENTS} (a unit test checks it). */
export const PUBLISH_EVENTS_SHA = "8adddcd249f71d352dcaf99c68fb1ab8200f2383";

/**
 * Takes a stream slot for a tenant unless the tenant, or the owner (a session, or a credential in the stateless lane),
 * is at its limit. Lapsed slots (an isolate that died without releasing) are dropped first; the set holds at most the
 * tenant's limit, so the scan is bounded.
 * KEYS[1] the tenant's stream slots. ARGV: now, the slot's lapse time, member (`<owner>|<id>`), owner, tenant
 * limit, owner limit, key TTL ms. Returns "ok", "tenant" or "owner".
 */
export const OPEN_SLOT: LuaScript = {
  source: `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
if #members >= tonumber(ARGV[5]) then return 'tenant' end
local prefix = ARGV[4] .. '|'
local owned = 0
for _, m in ipairs(members) do
  if string.sub(m, 1, #prefix) == prefix then owned = owned + 1 end
end
if owned >= tonumber(ARGV[6]) then return 'owner' end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return 'ok'
`,
};
/** SHA-1 of {@link OPEN_SLOT} (a unit test checks it). */
export const OPEN_SLOT_SHA = "53cd1872f3d6ccb879d27617b34e1e27f657e15b";

/**
 * One poll of an open stream, one command: renews its slot (ending the stream when the slot lapsed or was taken, or
 * its session ended), then reads the events after the cursor, or, without a cursor, the id of the latest one.
 * KEYS[1] the tenant's stream slots, KEYS[2] its events, KEYS[3] the session record (or KEYS[1] again when there is no
 * session to check). ARGV: member, the slot's new lapse time, cursor ("" for "from now"), most entries, slots TTL ms,
 * "1" to check the session. Returns {"gone"}, {"at", id} or {"events", entries}.
 */
export const POLL_EVENTS: LuaScript = {
  source: `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {'gone'} end
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return {'gone'} end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if ARGV[3] == '' then
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if #last == 0 then return {'at', '0-0'} end
  return {'at', last[1][1]}
end
return {'events', redis.call('XRANGE', KEYS[2], '(' .. ARGV[3], '+', 'COUNT', ARGV[4])}
`,
};
/** SHA-1 of {@link POLL_EVENTS} (a unit test checks it). */
export const POLL_EVENTS_SHA = "d5a88a8bce48b9a7ceea82062da63c730ae97d71";
