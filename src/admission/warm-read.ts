import type { RequestContext } from "../context.ts";
import { appendBatch, appendRowsLua, flushFilledBatches, giveBack, takeRows } from "../audit/pending.ts";
import { QUEUE_TTL_SECONDS } from "../audit/flush.ts";
import { writeHeldRows } from "../audit/sink.ts";
import { COUNTER_TTL_SECONDS, quotaCountFrom, type QuotaCount } from "../quota/meter.ts";
import { quotaMonth } from "../quota/month.ts";
import { auditTenantsKey, quotaKey, sessionIndexKey, sessionKey } from "../redis/keys.ts";
import { runKnownScriptAlone, type LuaScript } from "../redis/script.ts";
import { isWellFormedSessionId, type SessionRecord } from "../session/store.ts";

/**
 * Everything a warm request needs from Redis besides its rate limit, in one command (Upstash bills per command, and
 * caps a database's commands per second): the entries it reads as they are (KEYS[1..n], n = ARGV[1]: an API key's
 * cache entry; for an OAuth token the tenant's cached record, the grant's and the user's revocation markers and the
 * sign-in key's entry); the session (KEYS[n+1]) with its TTL refreshed and, only when it exists, its last use in the
 * tenant's index (KEYS[n+2]), exactly as TOUCH_SESSION (src/session/scripts.ts) does; the tenant's monthly counter
 * (KEYS[n+3]), counted (INCR, TTL refreshed) for a `tools/call` or read (GET) otherwise, as src/quota/meter.ts does;
 * and audit rows held in the isolate (src/audit/pending.ts: KEYS[n+4] the set of tenants with rows, then their lists).
 *
 * ARGV: n, session TTL seconds (`""`: no session lookup), now (epoch ms), session id, `incr` or `get`, the counter's
 * TTL, the audit lists' TTL, then the audit groups. Returns `{entries, session, count, lengths}`; a missing entry or
 * session is nil. The rate limit stays @upstash/ratelimit's, the request's second command.
 */
export const WARM_READ: LuaScript = {
  source: `
local n = tonumber(ARGV[1])
local entries = {}
for i = 1, n do entries[i] = redis.call("GET", KEYS[i]) end
local session = false
if ARGV[2] ~= "" then
  session = redis.call("GETEX", KEYS[n + 1], "EX", ARGV[2])
  if session then
    redis.call("ZADD", KEYS[n + 2], "XX", ARGV[3], ARGV[4])
    redis.call("EXPIRE", KEYS[n + 2], ARGV[2])
  end
end
local count
if ARGV[5] == "incr" then
  count = redis.call("INCR", KEYS[n + 3])
  redis.call("EXPIRE", KEYS[n + 3], tonumber(ARGV[6]))
else
  count = tonumber(redis.call("GET", KEYS[n + 3]) or "0")
end
${appendRowsLua("n + 4", "n + 5", "7", "8")}
return {entries, session, count, lengths}
`,
};

/** SHA-1 of {@link WARM_READ}'s source, written out so EVALSHA goes out in the issuing tick (a unit test checks it). */
export const WARM_READ_SHA = "23d01e6d28a9a5e972fda6dc80cedd47f60b4ff5";

/** What the warm read answers, each as its own promise. */
export interface WarmRead {
  /** The entries asked for, in order (`null`: missing). Rejects when Redis failed. */
  entries: Promise<unknown[]>;
  /** The session's record when the request names a well-formed one, else absent. Rejects when Redis failed. */
  session?: Promise<SessionRecord | null>;
  /** The request's place in its tenant's monthly count. */
  quota: QuotaCount;
}

/**
 * Issues the warm read of a request of `tenantId` (remembered, or named by its token) synchronously, on the tenant's
 * shard, reading the entries `reads` (keys of that shard) as they are: call it in the tick of the rate limit's command
 * (when that can go out at once) so both share one round trip. Held audit rows ride along; if the command fails they are held again, and written by this
 * request after the linger (`waitUntil`).
 */
export function startWarmRead(
  rc: Pick<RequestContext, "shards" | "config" | "now" | "sql" | "log" | "waitUntil" | "requestId">,
  reads: readonly string[],
  tenantId: string,
  sessionId: string | null,
  metered: boolean,
): WarmRead {
  const now = rc.now();
  const month = quotaMonth(now);
  const touch = sessionId !== null && isWellFormedSessionId(sessionId);
  // Everything read here is on the tenant's shard (an API key's cache entry has a copy there, src/redis/shards.ts), and
  // so are the held audit rows this command can carry: those of the tenants of the same shard.
  const shard = rc.shards.tenantShard(tenantId);
  const rows = takeRows(undefined, (t) => rc.shards.tenantShard(t) === shard);
  const audit = appendBatch(rows);
  const reply = runKnownScriptAlone<[unknown[], unknown, unknown, unknown[]]>(
    rc.shards.at(shard),
    WARM_READ,
    WARM_READ_SHA,
    [
      ...reads,
      touch ? sessionKey(tenantId, sessionId) : sessionIndexKey(tenantId),
      sessionIndexKey(tenantId),
      quotaKey(tenantId, month.id),
      auditTenantsKey(),
      ...audit.keys,
    ],
    [
      String(reads.length),
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
  // The client parses JSON replies itself; a reply it left as text is parsed here.
  const parsed = (v: unknown): unknown => {
    if (typeof v !== "string") return v ?? null;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  };
  const entries = reply.then(([e]) => reads.map((_, i) => parsed((Array.isArray(e) ? e : [])[i])));
  const session = touch ? reply.then(([, r]) => parsed(r) as SessionRecord | null) : undefined;
  // Settled later, or never when authentication fails: never an unhandled rejection.
  entries.catch(() => {});
  session?.catch(() => {});
  return {
    entries,
    ...(session ? { session } : {}),
    quota: quotaCountFrom(
      tenantId,
      metered,
      month,
      reply.then(([, , c]) => c),
    ),
  };
}
