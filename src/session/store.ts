import type { Redis } from "@upstash/redis/cloudflare";
import { sessionIndexKey, sessionKey } from "../redis/keys.ts";
import type { ClientLogLevel } from "../tools/types.ts";
import { runKnownScript } from "../redis/script.ts";
import { CREATE_SESSION, CREATE_SESSION_SHA, TOUCH_SESSION, TOUCH_SESSION_SHA } from "./scripts.ts";
import { bytesToBase64Url } from "../encoding/base64url.ts";

/**
 * What the server remembers of a session-lane session: only what later requests use, each field capped, so a record
 * stays a few hundred bytes whatever the client sent at initialize (the bench prints the figure). Nothing else about
 * a session exists anywhere.
 */
export interface SessionRecord {
  tenantId: string;
  /**
   * The id of the credential that opened the session (`Principal.credential.id`). Named for the only kind there was
   * when records were first stored; renaming it would orphan every live session at a deploy.
   */
  keyId: string;
  /**
   * The kind of that credential (`Principal.credential.kind`). Absent in records written before OAuth existed, which
   * were all opened with API keys.
   */
  credentialKind?: "api_key" | "oauth_grant";
  /** The protocol version negotiated at initialize. */
  protocolVersion: string;
  /** The client's name and version from `clientInfo`, capped (see {@link storedClientInfo}); nothing else of it. */
  clientInfo: { name: string; version: string };
  /** Names of the top-level capabilities the client declared that this server knows (see {@link capabilityNames}). */
  capabilities: string[];
  /** Epoch milliseconds. */
  createdAt: number;
  /** The least severe log level the client asked to receive (`logging/setLevel`); absent until it asks. */
  logLevel?: ClientLogLevel;
  /** Resource URIs the client subscribed to (`resources/subscribe`), capped (src/streams/subscriptions.ts). */
  subscriptions?: string[];
}

/**
 * Whether `record` was opened with the credential `principal` presents: the same kind and id. A session is bound to
 * its principal (MCP security guidance), so another credential, of the same tenant or not, finds no session.
 */
export function openedBy(record: SessionRecord, principal: { credential: { kind: string; id: string } }): boolean {
  return (record.credentialKind ?? "api_key") === principal.credential.kind && record.keyId === principal.credential.id;
}

/** Session ids: 24 random bytes as base64url, 32 visible ASCII characters (MCP: cryptographically secure). */
const SESSION_ID = /^[A-Za-z0-9_-]{32}$/;

/** A new session id with 192 random bits. */
export function mintSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return bytesToBase64Url(bytes);
}

/** Whether a presented id could be one of ours; anything else is answered as "not found" without a lookup. */
export function isWellFormedSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

const CLIENT_NAME_MAX = 64;
const CLIENT_VERSION_MAX = 32;
/** Capabilities a client may declare that this server knows of (MCP 2025-11-25 `ClientCapabilities`). */
const KNOWN_CAPABILITIES = ["roots", "sampling", "elicitation", "tasks"] as const;

/**
 * The `clientInfo` a session keeps: name and version only, control and other invisible characters dropped, cut to
 * 64 and 32 code points (at most 384 bytes of UTF-8 together).
 */
export function storedClientInfo(info: { name: string; version: string }): SessionRecord["clientInfo"] {
  const clean = (s: string, max: number): string => Array.from(s.replace(/\p{C}/gu, "")).slice(0, max).join("");
  return { name: clean(info.name, CLIENT_NAME_MAX), version: clean(info.version, CLIENT_VERSION_MAX) };
}

/** The known capabilities a client declared, by name: their contents (and `experimental`) are not kept. */
export function capabilityNames(capabilities: Record<string, unknown>): string[] {
  return KNOWN_CAPABILITIES.filter((name) => capabilities[name] !== undefined && capabilities[name] !== null);
}

/** The Redis commands the store uses; auto-pipelined, so commands issued in one tick share one HTTP request. */
export type SessionRedis = Pick<Redis, "set" | "del" | "zrem" | "eval" | "evalsha">;

/**
 * Session storage in Redis. Failures throw; the caller answers 503, never 404 (which would force re-initialize).
 *
 * Each tenant's live sessions are also listed in a sorted set by last use ({@link sessionIndexKey}), which caps them:
 * creating a session past `sessionMaxPerTenant` ends the tenant's longest-idle ones. Costs: `create` is one script
 * (as the plain SET it replaces) plus, only when it evicts, a DEL after the response; `touch` is one script in place of
 * the GETEX it replaces; `delete` issues its ZREM in the same tick as its DEL, so both travel in one pipelined request.
 */
export class SessionStore {
  private readonly redis: SessionRedis;
  private readonly ttlSeconds: number;
  private readonly maxPerTenant: number;
  private readonly now: () => number;

  // Not `Pick<Config, ...>`: the admin CLI and the bench import this module outside the Worker, where `Env` is unknown.
  constructor(
    redis: SessionRedis,
    config: { sessionTtlSeconds: number; sessionMaxPerTenant: number },
    now: () => number,
  ) {
    this.redis = redis;
    this.ttlSeconds = config.sessionTtlSeconds;
    this.maxPerTenant = config.sessionMaxPerTenant;
    this.now = now;
  }

  /**
   * Stores a new session with the idle TTL and lists it in the tenant's index. One script, atomic: index entries idle
   * past the TTL are dropped (their records expired), and when the tenant is at its cap the longest-idle sessions
   * leave the index; their records are deleted right after (a caller of one of them gets 404 and initializes again).
   * Returns how many sessions were ended.
   *
   * @param defer where the eviction's DEL goes (`waitUntil`), so an `initialize` at the cap does not wait one more
   *   round trip; until it lands an evicted session still reads (milliseconds), which ends it no later than its
   *   client's next request after that. Absent: the DEL is awaited.
   */
  async create(sessionId: string, record: SessionRecord, defer?: (work: Promise<unknown>) => void): Promise<number> {
    const index = sessionIndexKey(record.tenantId);
    const evicted = await runKnownScript(
      this.redis,
      CREATE_SESSION,
      CREATE_SESSION_SHA,
      [sessionKey(record.tenantId, sessionId), index],
      [JSON.stringify(record), String(this.ttlSeconds), String(this.now()), String(this.maxPerTenant), sessionId],
    );
    const ids = (Array.isArray(evicted) ? evicted : []).map(String).filter(isWellFormedSessionId);
    // Not inside the script: a script should touch only the keys it declares, and these were unknown until it ran.
    if (ids.length) {
      const deleting = this.redis.del(...ids.map((id) => sessionKey(record.tenantId, id)));
      if (defer) defer(deleting);
      else await deleting;
    }
    return ids.length;
  }

  /**
   * Replaces a live session's record (e.g. a new log level) and refreshes its TTL. `false` when the session ended
   * meanwhile: SET XX never brings a deleted session back.
   */
  async update(sessionId: string, record: SessionRecord): Promise<boolean> {
    return (
      (await this.redis.set(sessionKey(record.tenantId, sessionId), record, { ex: this.ttlSeconds, xx: true })) !== null
    );
  }

  /**
   * Reads a session and refreshes its TTL (GETEX); `null` when unknown or expired. When it exists, its index entry
   * gets the new last use in the same script (ZADD XX: an id that is not listed is never added).
   */
  async touch(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    if (!isWellFormedSessionId(sessionId)) return null;
    // One command, issued synchronously: it joins the pipelined request of whatever admission issues in this tick.
    const record = await runKnownScript(
      this.redis,
      TOUCH_SESSION,
      TOUCH_SESSION_SHA,
      [sessionKey(tenantId, sessionId), sessionIndexKey(tenantId)],
      [String(this.ttlSeconds), String(this.now()), sessionId],
    );
    // The client parses JSON replies itself; a reply it left as text is parsed here.
    if (record === null || record === undefined) return null;
    return (typeof record === "string" ? JSON.parse(record) : record) as SessionRecord;
  }

  /** Ends a session; `false` when there was none. */
  async delete(tenantId: string, sessionId: string): Promise<boolean> {
    if (!isWellFormedSessionId(sessionId)) return false;
    const [deleted] = await Promise.all([
      this.redis.del(sessionKey(tenantId, sessionId)),
      this.redis.zrem(sessionIndexKey(tenantId), sessionId),
    ]);
    return deleted > 0;
  }
}
