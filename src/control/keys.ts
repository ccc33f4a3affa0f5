import { API_KEY_PREFIX, mintApiKey, parseApiKey } from "../auth/api-key.ts";
import { ControlError, field, invalid, says } from "./errors.ts";
import type { AdminDeps, KeyView } from "./types.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { KEY_SELECT, toKeyView } from "./rows.ts";
import { createKeyInput, parseInput, rotateKeyInput, type CreateKeyInput, type RotateKeyInput } from "./schemas.ts";
import { isoOrNull } from "../db/timestamps.ts";
import { invalidateWorkerCache } from "./worker-cache.ts";

/**
 * Stores a minted key (`$1` id, `$2` label, `$3` secret hash, `$4` expiry or null, `$5` scopes) for the tenant in
 * app.tenant_id.
 * The tenant id comes from the one tenant row the owner can see, so under row-level security the key can only land
 * in the tenant in scope, and nothing is written when the scope names no tenant. Shared by `createKey` and
 * `createTenant`, which every tool that mints keys calls (the admin CLI, dev, conformance, bench, the tests).
 */
export const INSERT_KEY_SQL = `insert into public.api_keys (id, tenant_id, name, secret_hash, expires_at, scopes)
  select $1, t.id, $2, $3, $4::timestamptz, $5::text[] from public.tenants as t
  returning id, expires_at`;

/** A key as it is shown once, at creation. */
export interface NewKey {
  keyId: string;
  apiKey: string;
  expiresAt: string | null;
  /** What the key may do (src/auth/scopes.ts). */
  scopes: string[];
}

/** Creates a key for a tenant. `expiresInSeconds`: default never; `scopes`: default both (read and write). */
export async function createKey(deps: AdminDeps, slug: string, raw: CreateKeyInput = {}): Promise<NewKey> {
  const o = parseInput(createKeyInput, raw);
  const key = await mintApiKey(deps.pepper);
  // Expiry by this machine's clock: at the scale of an expiry (hours to months) clock skew does not matter.
  const expiresAt = o.expiresInSeconds ? new Date(Date.now() + o.expiresInSeconds * 1000).toISOString() : null;
  const { results } = await ownerTransaction(deps.sql, { slug }, [
    { text: INSERT_KEY_SQL, params: [key.keyId, o.name ?? null, key.secretHash, expiresAt, o.scopes] },
  ]);
  if (!results[0]?.length) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  return { keyId: key.keyId, apiKey: key.apiKey, expiresAt, scopes: o.scopes };
}

/**
 * The key id in a `<key id>` argument, which may also be a whole key `tmcp_<key id>_<secret>` (operators paste what
 * they have): only its id is used, and the secret is neither checked nor ever quoted. Anything else that is not
 * shaped like an id is refused without quoting it, since it may be a mangled key.
 */
export function resolveKeyId(arg: string): string {
  const parsed = parseApiKey(arg.trim());
  if (parsed) return parsed.keyId;
  if (arg.startsWith(API_KEY_PREFIX)) {
    throw invalid(
      "keyId",
      says`${field("keyId")} looks like an API key but is not a whole one; give the key id (as \`key list\` shows it) or the whole key`,
    );
  }
  if (!/^[a-z0-9]{1,64}$/.test(arg))
    throw invalid(
      "keyId",
      says`${field("keyId")} must be a key id (lower-case letters and digits, as \`key list\` shows it) or a whole key`,
    );
  return arg;
}

/** A tenant's keys, oldest first. Secrets are never stored, and hashes never leave the database. */
export async function listKeys(deps: AdminDeps, slug: string): Promise<KeyView[]> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    { text: `${KEY_SELECT} order by created_at, id` },
  ]);
  if (tenantId === null) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  return (results[0] ?? []).map(toKeyView);
}

/**
 * Revokes a key now (a key in a rotation grace period too), then invalidates its cached lookup, so its next request
 * gets 401, also inside an open session. Revoking a revoked key changes nothing and succeeds.
 */
export async function revokeKey(deps: AdminDeps, keyId: string): Promise<RevokedKey> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { keyId }, [
    {
      text: "update public.api_keys set revoked_at = now() where id = $1 and (revoked_at is null or revoked_at > now())",
      params: [keyId],
    },
    { text: `${KEY_SELECT} where id = $1`, params: [keyId] },
  ]);
  const key = toKeyView(oneKey(results[1], keyId));
  await invalidateWorkerCache(deps.shards, [keyId]);
  return { key, tenantId: tenantId as string };
}

/** What `key revoke` returns: the key as it is now, and its tenant's id (for the operator audit log). */
export interface RevokedKey {
  key: KeyView;
  tenantId: string;
}

/** What `key rotate` returns: the new key (shown once) and the old one, valid until `previous.revokedAt`. */
export interface RotatedKey extends NewKey {
  previous: KeyView;
  /** The tenant of both keys. */
  tenantId: string;
}

/**
 * Replaces a key: a new key with the same label and scopes (and the same lifetime, when the old one had an expiry and
 * `expiresInSeconds` is not given), and the old key's revoked_at set to now + `graceSeconds` by the database's clock.
 * The Worker treats a revoked_at in the future as still valid, so clients can switch over during the grace period.
 * Only an active key can be rotated.
 */
export async function rotateKey(deps: AdminDeps, keyId: string, raw: RotateKeyInput = {}): Promise<RotatedKey> {
  const o = parseInput(rotateKeyInput, raw);
  const key = await mintApiKey(deps.pepper);
  const { tenantId, results } = await ownerTransaction(deps.sql, { keyId }, [
    {
      // One statement: the new key exists if and only if the old one was active and is now on its way out.
      text: `with old as (
               update public.api_keys
                  set revoked_at = now() + make_interval(secs => $2::float8)
                where id = $1 and revoked_at is null and (expires_at is null or expires_at > now())
               returning tenant_id, name, created_at, expires_at, scopes
             )
             insert into public.api_keys (id, tenant_id, name, secret_hash, expires_at, scopes)
             select $3, old.tenant_id, old.name, $4,
                    case when $5::float8 is not null then now() + make_interval(secs => $5::float8)
                         when old.expires_at is not null then now() + (old.expires_at - old.created_at)
                    end,
                    old.scopes
               from old
             returning id, expires_at, scopes`,
      params: [keyId, o.graceSeconds, key.keyId, key.secretHash, o.expiresInSeconds ?? null],
    },
    { text: `${KEY_SELECT} where id = $1`, params: [keyId] },
  ]);
  if (tenantId === null) throw new ControlError("not_found", `no key with id "${keyId}"`, { field: "keyId" });
  const inserted = results[0]?.[0];
  const previous = toKeyView(oneKey(results[1], keyId));
  if (!inserted)
    throw new ControlError(
      "conflict",
      `key "${keyId}" is ${previous.status}; only an active key can be rotated (make a new one with \`key create\`)`,
      { field: "keyId" },
    );
  await invalidateWorkerCache(deps.shards, [keyId]);
  return {
    keyId: key.keyId,
    apiKey: key.apiKey,
    expiresAt: isoOrNull(inserted.expires_at),
    scopes: inserted.scopes as string[],
    previous,
    tenantId,
  };
}

function oneKey(rows: Row[] | undefined, keyId: string): Row {
  const row = rows?.[0];
  if (!row) throw new ControlError("not_found", `no key with id "${keyId}"`, { field: "keyId" });
  return row;
}
