/**
 * Where each tenant's data lives, as the operator tools see it from the main database's admin login: the directory
 * (sql/012) across row-level security, and the sealed admin URLs of dedicated databases opened with DATA_SECRET_KEY.
 */
import type pg from "pg";
import { openSecret, sealSecret } from "../../src/crypto/secret-box.ts";

/** The DATA_SECRET_KEY's value (32 bytes, base64url), as the Worker has it. */
export type DataSecretKey = string;

/** A tenant's data location, with what the operator tools need to reach it. */
export type DataTarget =
  | { kind: "schema"; tenantId: string; slug: string; schema: string }
  | { kind: "database"; tenantId: string; slug: string; sealedAdminUrl: string | null };

/** Opens a value sealed for `tenantId` under DATA_SECRET_KEY. */
export function openData(key: DataSecretKey, tenantId: string, sealed: string): Promise<string> {
  return openSecret({ name: "DATA_SECRET_KEY", raw: key }, tenantId, sealed);
}

/** Seals `value` for `tenantId` under DATA_SECRET_KEY. */
export function sealData(key: DataSecretKey, tenantId: string, value: string): Promise<string> {
  return sealSecret({ name: "DATA_SECRET_KEY", raw: key }, tenantId, value);
}

/**
 * Runs `fn` in a transaction on the main database as tenant_mcp_owner, scoped to `tenantId` (row-level security
 * applies as for the admin CLI), or to no tenant for the directory functions.
 */
export async function asOwner<T>(client: pg.Client, tenantId: string | null, fn: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    await client.query("SET LOCAL ROLE tenant_mcp_owner");
    if (tenantId) await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    const out = await fn();
    await client.query("COMMIT");
    return out;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

/** Every tenant on the schema or database tier, by slug. */
export async function listDataTargets(client: pg.Client): Promise<DataTarget[]> {
  const { rows } = await asOwner(client, null, () =>
    client.query<{ id: string; slug: string; isolation: string; data_schema: string | null; admin_url: string | null }>(
      "SELECT id::text, slug, isolation, data_schema, admin_url FROM public.directory_data_locations()",
    ),
  );
  return rows.map((r) =>
    r.isolation === "schema"
      ? { kind: "schema", tenantId: r.id, slug: r.slug, schema: r.data_schema as string }
      : { kind: "database", tenantId: r.id, slug: r.slug, sealedAdminUrl: r.admin_url },
  );
}
