import type pg from "pg";
import { mintApiKey } from "../../src/auth/api-key.ts";

/** Options of {@link createApiKey}. */
export interface CreateKeyOptions {
  tenantId: string;
  name: string;
  pepper: string;
  /** Epoch ms; default: never expires. */
  expiresAt?: number | null;
}

/**
 * Stores a minted key (`$1` id, `$2` label, `$3` secret hash, `$4` expiry or null) for the tenant in app.tenant_id.
 * The tenant id comes from the one tenant row the owner can see, so under row-level security the key can only land
 * in the tenant in scope, and nothing is written when the scope names no tenant. Shared by every script that mints
 * keys (dev keys, the admin CLI).
 */
export const INSERT_KEY_SQL = `insert into public.api_keys (id, tenant_id, name, secret_hash, expires_at)
  select $1, t.id, $2, $3, $4::timestamptz from public.tenants as t
  returning id, expires_at`;

/**
 * Mints a key for a tenant and stores only its hash. Runs as the schema owner with the tenant set, so the insert goes
 * through the same row-level policies as everything else (FORCE RLS applies to the owner too). Returns the full key,
 * which is never stored and cannot be shown again.
 */
export async function createApiKey(client: pg.ClientBase, o: CreateKeyOptions): Promise<{ keyId: string; apiKey: string }> {
  const { apiKey, keyId, secretHash } = await mintApiKey(o.pepper);
  await inTenant(client, o.tenantId, async () => {
    const inserted = await client.query(INSERT_KEY_SQL, [keyId, o.name, secretHash, o.expiresAt ? new Date(o.expiresAt) : null]);
    if (inserted.rowCount !== 1) throw new Error(`tenant ${o.tenantId} does not exist`);
  });
  return { keyId, apiKey };
}

/** Runs `work` in a transaction as tenant_mcp_owner with `app.tenant_id` set to `tenantId`. */
export async function inTenant<T>(client: pg.ClientBase, tenantId: string, work: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    await client.query("set local role tenant_mcp_owner");
    await client.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
    const result = await work();
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}
