import type { RequestContext } from "../context.ts";
import type { KeyCacheEntry } from "../auth/key-store.ts";
import { appendBatch, appendRowsLua, flushFilledBatches, giveBack, takeRows } from "../audit/pending.ts";
import { QUEUE_TTL_SECONDS } from "../audit/flush.ts";
import { writeHeldRows } from "../audit/sink.ts";
import { COUNTER_TTL_SECONDS, quotaCountFrom, type QuotaCount } from "../quota/meter.ts";
import { quotaMonth } from "../quota/month.ts";
import { auditTenantsKey, keyCacheKey, quotaKey, sessionIndexKey, sessionKey } from "../redis/keys.ts";
import { runKnownScriptAlone, type LuaScript } from "../redis/script.ts";
import { isWellFormedSessionId, type SessionRecord } from "../session/store.ts";

/**
 * Everything a warm API-key request needs from Redis besides its rate limit, in one command (Upstash bills per
 * command, and caps a database's commands per second): the key's cache entry (KEYS[1]); the session (KEYS[2]) with
 * its TTL refreshed and, only when it exists, its last use in the tenant's index (KEYS[3]), exactly as
 * TOUCH_SESSION (src/session/scripts.ts) does; the tenant's monthly counter (KEYS[4]), counted (INCR, TTL refreshed)
 * for a `tools/call` or read (GET) otherwise, as src/quota/meter.ts does; and audit rows held in the isolate
 * (src/audit/pending.ts: KEYS[5] the set of tenants with rows, KEYS[6..] their lists).
 *
 * ARGV: session TTL seconds (`""`: no session lookup), now (epoch ms), session id, `incr` or `get`, the counter's TTL,
 * the audit lists' TTL, then the audit groups. Returns `{entry, session, count, lengths}`; a missing entry or session
 * is nil. Every key but the key entry and the audit lists names the request's tenant. The rate limit stays
 * @upstash/ratelimit's (with the live-key check, src/ratelimit/live-key-window.ts), the request's second command,
 * issued in the same tick: the Upstash client pipelines both into one round trip.
 */
export const WARM_READ: LuaScript = {
  source: `
local entry = redis.call("GET", KEYS[1])
local session = false
if ARGV[1] ~= "" then
  session = redis.call("GETEX", KEYS[2], "EX", ARGV[1])
  if session then
    redis.call("ZADD", KEYS[3], "XX", ARGV[2], ARGV[3])
    redis.call("EXPIRE", KEYS[3], ARGV[1])
  end
end
local count
if ARGV[4] == "incr" then
  count = redis.call("INCR", KEYS[4])
  redis.call("EXPIRE", KEYS[4], tonumber(ARGV[5]))
else
  count = tonumber(redis.call("GET", KEYS[4]) or "0")
end
${appendRowsLua(5, 6, 6, 7)}
return {entry, session, count, lengths}
`,
};

/** SHA-1 of {@link WARM_READ}'s source, written out so EVALSHA goes out in the issuing tick (a unit test checks it). */
export const WARM_READ_SHA = "9304bddaea48db7546dae1af8de4cf8f0ac66624";

/** What the warm read answers, each as its own promise. */
export interface WarmRead {
  /** The key's cache entry, for verification (src/auth/authenticate.ts). Rejects when Redis failed. */
  entry: Promise<KeyCacheEntry | null>;
  /** The session's record when the request names a well-formed one, else absent. Rejects when Redis failed. */
  session?: Promise<SessionRecord | null>;
  /** The request's place in its tenant's monthly count. */
  quota: QuotaCount;
}

/**
 * Issues the warm read of a request with key `keyId`, remembered as a key of `tenantId`, synchronously: call it in the
 * tick of the rate limit's command so both share one pipelined HTTP request. Held audit rows ride along; if the
 * command fails they are held again, and written by this request after the linger (`waitUntil`).
 */
export function startWarmRead(
  rc: Pick<RequestContext, "redis" | "config" | "now" | "sql" | "log" | "waitUntil" | "requestId">,
  keyId: string,
  tenantId: string,
  sessionId: string | null,
  metered: boolean,
): WarmRead {
  const now = rc.now();
  const month = quotaMonth(now);
  const touch = sessionId !== null && isWellFormedSessionId(sessionId);
  const rows = takeRows();
  const audit = appendBatch(rows);
  const reply = runKnownScriptAlone<[unknown, unknown, unknown, unknown[]]>(
    rc.redis,
    WARM_READ,
    WARM_READ_SHA,
    [
      keyCacheKey(keyId),
      touch ? sessionKey(tenantId, sessionId) : sessionIndexKey(tenantId),
      sessionIndexKey(tenantId),
      quotaKey(tenantId, month.id),
      auditTenantsKey(),
      ...audit.keys,
    ],
    [
      touch ? String(rc.config.sessionTtlSeconds) : "",
      String(now),
      touch ? sessionId : "",
      metered ? "incr" : "get",
      String(COUNTER_TTL_SECONDS),
      String(QUEUE_TTL_SECONDS),
      ...audit.args,
    ],
  );
  if (rows.length > 0) {
    reply.then(
      ([, , , lengths]) => flushFilledBatches(rc, audit, Array.isArray(lengths) ? lengths : []),
      () => {
        giveBack(rows);
        rc.waitUntil(writeHeldRows(rc, rc.config.auditLingerMs));
      },
    );
  }
  const part = <T>(i: 0 | 1 | 2): Promise<T | null> =>
    reply.then((r) => {
      const v = r[i];
      // The client parses JSON replies itself; a reply it left as text is parsed here.
      return (typeof v === "string" && i < 2 ? JSON.parse(v) : (v ?? null)) as T | null;
    });
  const entry = part<KeyCacheEntry>(0);
  const session = touch ? part<SessionRecord>(1) : undefined;
  // Settled later, or never when authentication fails: never an unhandled rejection.
  entry.catch(() => {});
  session?.catch(() => {});
  return { entry, ...(session ? { session } : {}), quota: quotaCountFrom(tenantId, metered, month, part(2)) };
}
