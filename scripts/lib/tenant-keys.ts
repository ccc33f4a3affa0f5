import type pg from "pg";
import { mintApiKey } from "../../src/auth/api-key.ts";
import { DEFAULT_KEY_SCOPES } from "../../src/auth/scopes.ts";
import { INSERT_KEY_SQL } from "../../src/control/keys.ts";

/** Options of {@link createApiKey}. */
export interface CreateKeyOptions {
  tenantId: string;
  name: string;
  pepper: string;
  /** Epoch ms; default: never expires. */
  expiresAt?: number | null;
  /** What the key may do; default both scopes. */
  scopes?: readonly string[];
}

/**
 * Mints a key for a tenant and stores only its hash. Runs as the schema owner with the tenant set, so the insert goes
 * through the same row-level policies as everything else (FORCE RLS applies to the owner too). Returns the full key,
 * which is never stored and cannot be shown again.
 */
export async function createApiKey(
  client: pg.ClientBase,
  o: CreateKeyOptions,
): Promise<{ keyId: string; apiKey: string }> {
  const { apiKey, keyId, secretHash } = await mintApiKey(o.pepper);
  await inTenant(client, o.tenantId, async () => {
    const inserted = await client.query(INSERT_KEY_SQL, [
      keyId,
      o.name,
      secretHash,
      o.expiresAt ? new Date(o.expiresAt) : null,
      o.scopes ?? DEFAULT_KEY_SCOPES,
    ]);
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
