import type { Redis } from "@upstash/redis/cloudflare";
import type { ClientLogLevel } from "../tools/types.ts";

/** What the server remembers of a legacy-era session. Nothing else about a session exists anywhere. */
export interface SessionRecord {
  tenantId: string;
  keyId: string;
  /** The protocol version negotiated at initialize. */
  protocolVersion: string;
  clientInfo: { name: string; version: string; [k: string]: unknown };
  clientCapabilities: Record<string, unknown>;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The least severe log level the client asked to receive (`logging/setLevel`); absent until it asks. */
  logLevel?: ClientLogLevel;
}

/** Session ids: 24 random bytes as base64url, 32 visible ASCII characters (MCP: cryptographically secure). */
const SESSION_ID = /^[A-Za-z0-9_-]{32}$/;

/** A new session id with 192 random bits. */
export function mintSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

/** Whether a presented id could be one of ours; anything else is answered as "not found" without a lookup. */
export function isWellFormedSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

/**
 * The Redis key of a session. It contains the tenant id (MCP security guidance: bind session data to the user), so a
 * session id presented with another tenant's key names a key that does not exist: the same "not found" as an
 * unknown or expired id.
 */
export function sessionKey(tenantId: string, sessionId: string): string {
  return `tmcp:sess:${tenantId}:${sessionId}`;
}

/** Session storage in Redis. Failures throw; the caller answers 503, never 404 (which would force re-initialize). */
export class SessionStore {
  private readonly redis: Pick<Redis, "set" | "getex" | "del">;
  private readonly ttlSeconds: number;

  constructor(redis: Pick<Redis, "set" | "getex" | "del">, ttlSeconds: number) {
    this.redis = redis;
    this.ttlSeconds = ttlSeconds;
  }

  /** Stores a new session with the idle TTL. */
  async create(sessionId: string, record: SessionRecord): Promise<void> {
    await this.redis.set(sessionKey(record.tenantId, sessionId), record, { ex: this.ttlSeconds });
  }

  /**
   * Replaces a live session's record (e.g. a new log level) and refreshes its TTL. `false` when the session ended
   * meanwhile: SET XX never brings a deleted session back.
   */
  async update(sessionId: string, record: SessionRecord): Promise<boolean> {
    return (await this.redis.set(sessionKey(record.tenantId, sessionId), record, { ex: this.ttlSeconds, xx: true })) !== null;
  }

  /** Reads a session and refreshes its TTL in the same command (GETEX); `null` when unknown or expired. */
  async touch(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    if (!isWellFormedSessionId(sessionId)) return null;
    return (await this.redis.getex<SessionRecord>(sessionKey(tenantId, sessionId), { ex: this.ttlSeconds })) ?? null;
  }

  /** Ends a session; `false` when there was none. */
  async delete(tenantId: string, sessionId: string): Promise<boolean> {
    if (!isWellFormedSessionId(sessionId)) return false;
    return (await this.redis.del(sessionKey(tenantId, sessionId))) > 0;
  }
}
