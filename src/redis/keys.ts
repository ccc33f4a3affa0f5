/**
 * The one home of every Redis key the Worker and the admin CLI read or write (see STORAGE.md beside this file).
 * Pure functions of their arguments, no I/O. The strings are a storage format: entries written by one deploy are read
 * by the next, so a builder's output must never change (test/node/redis-keys.test.ts pins each one).
 *
 * Every key that holds tenant data names its tenant in a fixed segment, for two reasons: a lookup can only ever reach
 * the tenant it names (a session id presented with another tenant's key names a key that does not exist), and
 * deleting a tenant removes all of its state with one pattern per family ({@link tenantStatePatterns}).
 */

/** Prefix of every key this project writes, so it shares a Redis database with nothing it could collide with. */
const ROOT = "tmcp";

/**
 * `tmcp:key:<keyId>`: the cached lookup of one API key (its record and tenant, a remembered miss, or an invalidation
 * marker). It names the key id, not the tenant: it is read before the tenant is known (the key is what names it),
 * and the record inside carries its tenant id. The admin CLI invalidates it on every change to the key or its tenant.
 */
export function keyCacheKey(keyId: string): string {
  return `${ROOT}:key:${keyId}`;
}

/**
 * `tmcp:sess:<tenantId>:<sessionId>`: one session-lane session's record. It names the tenant (MCP security guidance:
 * bind session data to the user), so a session id presented with another tenant's key names a key that does not
 * exist: the same "not found" as an unknown or expired id.
 */
export function sessionKey(tenantId: string, sessionId: string): string {
  return `${ROOT}:sess:${tenantId}:${sessionId}`;
}

/**
 * `tmcp:sess:<tenantId>:live`: a tenant's live-session index, a sorted set of session ids scored by last use (epoch
 * ms). It names the tenant because the cap it enforces is per tenant, and it matches {@link sessionPattern}, so
 * whatever removes a tenant's sessions by pattern removes it too. It never collides with a session (not 32 characters).
 */
export function sessionIndexKey(tenantId: string): string {
  return sessionKey(tenantId, "live");
}

/** `tmcp:sess:<tenantId>:*`: a SCAN pattern matching a tenant's sessions and its session index, and nothing else. */
export function sessionPattern(tenantId: string): string {
  return sessionKey(tenantId, "*");
}

/**
 * `tmcp:rl`: the prefix @upstash/ratelimit puts before the identifier (the tenant id), giving the counter base
 * `tmcp:rl:<tenantId>` ({@link rateLimitBase}) and the window counters `tmcp:rl:<tenantId>:<window>`.
 */
export const RATE_LIMIT_PREFIX = `${ROOT}:rl`;

/**
 * `tmcp:rl:<tenantId>`: what @upstash/ratelimit hands its algorithm as the identifier (`<prefix>:<identifier>`)
 * when the limiter counts for `tenantId`. It names the tenant because the budget is per tenant: one tenant at its
 * limit never touches another's counters.
 */
export function rateLimitBase(tenantId: string): string {
  return `${RATE_LIMIT_PREFIX}:${tenantId}`;
}

/**
 * `<base>:<window>`, i.e. `tmcp:rl:<tenantId>:<window>`: the counter of one sliding-window period, `window` being
 * `floor(epoch ms / window length)`. The same shape as @upstash/ratelimit's own sliding window, so our live-key
 * script and the library's `slidingWindow` count in the very same keys. `base` is what the library passed in
 * (see {@link rateLimitBase}).
 */
export function rateLimitWindowKey(base: string, window: number): string {
  return `${base}:${window}`;
}

/** `tmcp:rl:<tenantId>:*`: a SCAN pattern matching every window counter of one tenant, and nothing else. */
export function rateLimitPattern(tenantId: string): string {
  return `${rateLimitBase(tenantId)}:*`;
}

/**
 * The SCAN patterns that together match everything kept in Redis under a tenant's id: its sessions, its session
 * index, its rate-limit counters, its pending sign-ins, its queued audit rows (an exact key: its audit log goes with
 * the tenant) and its monthly quota counters. Key cache entries are not among them (they are named by key id): deleting a
 * tenant invalidates those by id.
 */
export function tenantStatePatterns(tenantId: string): string[] {
  return [
    sessionPattern(tenantId),
    rateLimitPattern(tenantId),
    oidcFlowPattern(tenantId),
    auditQueueKey(tenantId),
    quotaPattern(tenantId),
    clientRequestPattern(tenantId),
    tenantEventsKey(tenantId),
    streamSlotsKey(tenantId),
    taskPattern(tenantId),
  ];
}

/**
 * `tmcp:ev:<tenantId>`: a tenant's change events (a document updated, its tool or resource lists changed), a Redis
 * stream capped to its latest entries and expiring when no one writes it. Open notification streams of the tenant
 * poll it from their last entry id (src/streams/). It names the tenant, so a stream can only ever read its own
 * tenant's events.
 */
export function tenantEventsKey(tenantId: string): string {
  return `${ROOT}:ev:${tenantId}`;
}

/**
 * `tmcp:streams:<tenantId>`: a tenant's open notification streams, a sorted set of `<owner>|<stream id>` scored by
 * the epoch ms its slot lapses unless renewed (src/streams/slots.ts). An isolate that dies leaves its slot to lapse.
 */
export function streamSlotsKey(tenantId: string): string {
  return `${ROOT}:streams:${tenantId}`;
}

/**
 * `tmcp:task:<tenantId>:<taskId>`: one task's record (MCP tasks extension, src/tasks/store.ts), expiring with the
 * task. It names the tenant, so another tenant's task id names a key that does not exist; the credential that created
 * the task is inside the record and checked on every read.
 */
export function taskKey(tenantId: string, taskId: string): string {
  return `${ROOT}:task:${tenantId}:${taskId}`;
}

/**
 * `tmcp:task:<tenantId>:live`: a tenant's task index, a sorted set of task ids scored by expiry (epoch ms), which the
 * per-tenant task limit counts. It never collides with a task (task ids are UUIDs).
 */
export function taskIndexKey(tenantId: string): string {
  return taskKey(tenantId, "live");
}

/** `tmcp:task:<tenantId>:*`: a SCAN pattern matching a tenant's tasks and its task index, and nothing else. */
export function taskPattern(tenantId: string): string {
  return taskKey(tenantId, "*");
}

/**
 * `tmcp:oidc:<tenantId>:<state>`: one pending sign-in through a tenant's OpenID Connect provider (nonce, PKCE
 * verifier, authorization handle), between the redirect to the provider and its callback; read once and deleted. It
 * names the tenant, so a `state` from one tenant's sign-in presented on another tenant's callback names nothing.
 */
export function oidcFlowKey(tenantId: string, state: string): string {
  return `${ROOT}:oidc:${tenantId}:${state}`;
}

/** `tmcp:oidc:<tenantId>:*`: a SCAN pattern matching a tenant's pending sign-ins, and nothing else. */
export function oidcFlowPattern(tenantId: string): string {
  return oidcFlowKey(tenantId, "*");
}

/**
 * `tmcp:tenant:<tenantId>`: the cached record of one tenant (status, plan, features, rate limit), read on every
 * request with an OAuth token (an API key's lookup carries its tenant in {@link keyCacheKey} instead). The admin CLI
 * invalidates it on every change to the tenant, as it does the key cache.
 */
export function tenantCacheKey(tenantId: string): string {
  return `${ROOT}:tenant:${tenantId}`;
}

/**
 * `tmcp:revoked:grant:<grantId>`: present while an OAuth grant is revoked. Every request with a token of the grant
 * checks it in the same round trip as the rest of admission, so a revocation bites on the next request, wherever the
 * authorization server's storage (eventually consistent) has got to. It outlives the grant's longest possible life.
 */
export function revokedGrantKey(grantId: string): string {
  return `${ROOT}:revoked:grant:${grantId}`;
}

/**
 * `tmcp:revoked:user:<tenantId>:<subject>`: the time (epoch ms) a tenant's user had every grant revoked; grants made
 * at or before it are refused, a later sign-in works. It names the tenant, so one tenant's revocation can never touch
 * another's users.
 */
export function revokedUserKey(tenantId: string, subject: string): string {
  return `${ROOT}:revoked:user:${tenantId}:${subject}`;
}

/**
 * `tmcp:audit:<tenantId>`: a tenant's audit rows appended by requests and not yet moved to Postgres, a list of JSON
 * rows, oldest first. It names the tenant like every other key of tenant data; the flush (src/audit/flush.ts) finds
 * the tenants with rows in {@link auditTenantsKey}.
 */
export function auditQueueKey(tenantId: string): string {
  return `${ROOT}:audit:${tenantId}`;
}

/**
 * `tmcp:audit:tenants`: the set of tenant ids whose {@link auditQueueKey} may hold rows. Added to with every row,
 * removed from by the flush when it empties a tenant's list. Never collides with a tenant's list (not a UUID).
 */
export function auditTenantsKey(): string {
  return `${ROOT}:audit:tenants`;
}

/**
 * `tmcp:quota:<tenantId>:<YYYY-MM>`: the tool calls a tenant was served in one calendar month (UTC), an integer counted
 * in admission's round trip (src/quota/meter.ts). It names the tenant because the quota is per tenant, and the month
 * because the count starts again at zero with each month: the month's key simply changes.
 */
export function quotaKey(tenantId: string, month: string): string {
  return `${ROOT}:quota:${tenantId}:${month}`;
}

/** `tmcp:quota:<tenantId>:*`: a SCAN pattern matching every monthly counter of one tenant, and nothing else. */
export function quotaPattern(tenantId: string): string {
  return quotaKey(tenantId, "*");
}

/**
 * `tmcp:reshard:base:<key>`: written by `redis reshard` beside a counter it copied to its new shard (a rate-limit
 * window or a monthly count): the value copied, so the finishing pass adds only what the old shard counted since
 * (scripts/admin/reshard.ts). Same TTL as the counter; deleted by the finishing pass.
 */
export function reshardBaseKey(key: string): string {
  return `${ROOT}:reshard:base:${key}`;
}

/**
 * `tmcp:ask:<tenantId>:<sessionId>:<requestId>:q`: a request the server sent a session-lane client mid-call (sampling,
 * elicitation, roots), open until one answer claims it (src/rendezvous/). It names the tenant and the session, so an
 * answer posted on another session or with another tenant's key names a key that does not exist.
 */
export function clientRequestKey(tenantId: string, sessionId: string, requestId: string): string {
  return `${ROOT}:ask:${tenantId}:${sessionId}:${requestId}:q`;
}

/** `tmcp:ask:<tenantId>:<sessionId>:<requestId>:a`: the client's answer to that request, until the waiting call reads it. */
export function clientAnswerKey(tenantId: string, sessionId: string, requestId: string): string {
  return `${ROOT}:ask:${tenantId}:${sessionId}:${requestId}:a`;
}

/** `tmcp:ask:<tenantId>:*`: a SCAN pattern matching a tenant's open client requests and their answers. */
export function clientRequestPattern(tenantId: string): string {
  return `${ROOT}:ask:${tenantId}:*`;
}

/**
 * `tmcp:console:<sha256 of the session id>`: one web console session (src/admin/console-session.ts), holding the
 * operator token id it was opened with. The key names a digest, so a reader of Redis cannot take over a session.
 */
export function consoleSessionKey(sessionDigest: string): string {
  return `${ROOT}:console:${sessionDigest}`;
}
