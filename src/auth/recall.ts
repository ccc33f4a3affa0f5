import type { Principal } from "./authenticate.ts";

/** What an isolate remembers of a key that verified: enough to start tenant-scoped work before it verifies again. */
export interface Recollection {
  tenantId: string;
  rateLimitPerMinute: number;
}

// Bounded: the oldest entry goes when a new one would exceed it (Map keeps insertion order).
const MAX_ENTRIES = 1024;
const memo = new Map<string, Recollection>();

/**
 * The tenant a presented key belonged to the last time it verified in this isolate, if any.
 *
 * This is a guess, never a credential: the request still authenticates against the key record read fresh from Redis,
 * so revocation and suspension act on the very next request. The guess only lets the rate limiter and the session
 * lookup start in the same Redis round trip as the key lookup (one sequential round trip instead of two). It is
 * keyed by the whole presented key, secret included, so a caller without the secret cannot make the Worker spend
 * another tenant's rate limit.
 */
export function recall(token: string): Recollection | undefined {
  return memo.get(token);
}

/** Records what a key that just verified belongs to. */
export function remember(token: string, principal: Principal): void {
  const entry = { tenantId: principal.tenant.id, rateLimitPerMinute: principal.tenant.rateLimitPerMinute };
  const known = memo.get(token);
  if (known && known.tenantId === entry.tenantId && known.rateLimitPerMinute === entry.rateLimitPerMinute) return;
  memo.delete(token);
  if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
  memo.set(token, entry);
}

/** Drops a key that failed to verify, so it no longer starts work for its old tenant. */
export function forget(token: string): void {
  memo.delete(token);
}
