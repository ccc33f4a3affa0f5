import type { Verified } from "./authenticate.ts";
import { recordFingerprint } from "./key-store.ts";

/** What an isolate remembers of a key that verified: enough to start tenant-scoped work before it verifies again. */
export interface Recollection {
  tenantId: string;
  rateLimitPerMinute: number;
  /** {@link recordFingerprint} of the record it verified against: counting checks the cache still shows it. */
  fingerprint: string;
  /** When the key stops being valid by its own dates (expiry, or the end of a rotation's grace); `null`: never. */
  validUntil: number | null;
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
 * another tenant's rate limit; and the limiter counts only while the cached record still matches the one that
 * verified, so a key revoked or re-dated since cannot spend it either. A key past its own dates is not recalled.
 */
export function recall(token: string, now: number): Recollection | undefined {
  const known = memo.get(token);
  if (known?.validUntil != null && known.validUntil <= now) {
    // Past its own dates: nothing may start on its behalf any more, whatever the cache still says.
    memo.delete(token);
    return undefined;
  }
  return known;
}

/** Records what a key that just verified belongs to. */
export function remember(token: string, { principal, record }: Verified): void {
  const ends = [record.expiresAt, record.revokedAt].filter((t): t is number => t !== null);
  const entry: Recollection = {
    tenantId: principal.tenant.id,
    rateLimitPerMinute: principal.tenant.rateLimitPerMinute,
    fingerprint: recordFingerprint(record),
    validUntil: ends.length ? Math.min(...ends) : null,
  };
  const known = memo.get(token);
  if (
    known &&
    known.tenantId === entry.tenantId &&
    known.rateLimitPerMinute === entry.rateLimitPerMinute &&
    known.fingerprint === entry.fingerprint
  ) {
    return;
  }
  memo.delete(token);
  if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
  memo.set(token, entry);
}

/** Drops a key that failed to verify, so it no longer starts work for its old tenant. */
export function forget(token: string): void {
  memo.delete(token);
}
