import { grantPrefix, parseGrantUserId } from "../oauth/grant-user.ts";
import { revokedGrantKey, revokedUserKey } from "../redis/keys.ts";
import { allShards } from "../redis/shards.ts";
import { ControlError, reasonOf } from "./errors.ts";
import { ownerTransaction } from "./owner-sql.ts";
import type { AdminDeps, AdminRedis, GrantStorage } from "./types.ts";

/**
 * How long a revocation marker lives: longer than any grant can (refresh tokens end 30 days after sign-in), so a
 * revoked grant's tokens never work again, whatever the authorization server's storage has got to.
 */
export const REVOCATION_TTL_SECONDS = 31 * 24 * 3600;

/** An OAuth grant as the CLI shows it: one person's consent for one client. */
export interface GrantView {
  id: string;
  subject: string;
  clientId: string;
  resource: string | null;
  /** ISO 8601; when the grant (its refresh token) ends, if stored. */
  expiresAt: string | null;
}

/** The tenant id of `slug`; not found is a ControlError. */
async function tenantIdOf(deps: AdminDeps, slug: string): Promise<string> {
  const { tenantId } = await ownerTransaction(deps.sql, { slug }, []);
  if (!tenantId) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  return tenantId;
}

function storage(deps: AdminDeps): GrantStorage {
  if (!deps.grants) {
    throw new ControlError(
      "unavailable",
      "the authorization server's storage (OAUTH_KV) is not reachable from here; revocation still works",
    );
  }
  return deps.grants;
}

/** A tenant's OAuth grants (only `subject`'s when given), read from the authorization server's storage. */
export async function listGrants(deps: AdminDeps, slug: string, o: { subject?: string } = {}): Promise<GrantView[]> {
  const tenantId = await tenantIdOf(deps, slug);
  const keys = await storage(deps).list(grantPrefix(tenantId, o.subject));
  return keys.flatMap((k) => {
    const sep = k.name.lastIndexOf(":");
    const user = parseGrantUserId(k.name.slice("grant:".length, sep));
    if (!user || user.tenantId !== tenantId) return [];
    const meta = (k.metadata ?? {}) as { clientId?: string; resource?: string | string[] };
    return [
      {
        id: k.name.slice(sep + 1),
        subject: user.subject,
        clientId: meta.clientId ?? "-",
        resource: typeof meta.resource === "string" ? meta.resource : null,
        expiresAt: k.expiration ? new Date(k.expiration * 1000).toISOString() : null,
      },
    ];
  });
}

/**
 * Revokes one grant: a Redis marker that every request with one of its tokens checks (so the next request fails),
 * then, when the storage is reachable, the grant itself (so it can no longer be refreshed).
 */
export async function revokeGrant(deps: AdminDeps, grantId: string): Promise<{ grantId: string; deleted: boolean }> {
  // The library's grant ids are 16 characters: anything else (an API key pasted by mistake) is never echoed back.
  if (!/^[A-Za-z0-9_-]{16}$/.test(grantId)) throw new ControlError("invalid", "not a grant id", { field: "id" });
  // On every shard: the marker is read on the shard of the token's tenant, which the grant id alone does not name (and
  // the grant storage, which does, may be out of reach).
  await mark(revokedGrantKey(grantId), allShards(deps.shards));
  if (!deps.grants) return { grantId, deleted: false };
  const names = (await deps.grants.list("grant:")).map((k) => k.name).filter((n) => n.endsWith(`:${grantId}`));
  for (const name of names) await deps.grants.delete(name);
  return { grantId, deleted: names.length > 0 };
}

/**
 * Revokes every grant a tenant's user holds now: a Redis marker with the time, which refuses every grant made at or
 * before it (a later sign-in works), then the grants themselves when the storage is reachable.
 */
export async function revokeUserGrants(
  deps: AdminDeps,
  slug: string,
  subject: string,
): Promise<{ tenantId: string; subject: string; deleted: number }> {
  if (!subject) throw new ControlError("invalid", "a user (subject) is required", { field: "user" });
  const tenantId = await tenantIdOf(deps, slug);
  await mark(revokedUserKey(tenantId, subject), [deps.shards.forTenant(tenantId)]);
  if (!deps.grants) return { tenantId, subject, deleted: 0 };
  const names = (await deps.grants.list(grantPrefix(tenantId, subject))).map((k) => k.name);
  for (const name of names) await deps.grants.delete(name);
  return { tenantId, subject, deleted: names.length };
}

async function mark(key: string, on: readonly AdminRedis[]): Promise<void> {
  try {
    const at = Date.now();
    await Promise.all(on.map((redis) => redis.set(key, at, { ex: REVOCATION_TTL_SECONDS })));
  } catch (err) {
    throw new ControlError(
      "unavailable",
      `the revocation could not be recorded in Redis (${reasonOf(err)}); nothing changed`,
      {
        cause: err,
      },
    );
  }
}
