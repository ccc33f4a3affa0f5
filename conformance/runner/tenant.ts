import pg from "pg";
import { createApiKey } from "../../scripts/lib/tenant-keys.ts";

/** Slug of the tenant the conformance suite runs as. */
const CONFORMANCE_SLUG = "conformance";
const KEY_NAME = "conformance run";

/**
 * Makes sure the conformance tenant exists with the `conformance_fixtures` feature (the fixture tools, resources and
 * prompts the suite calls by name; no plan has it), then mints a fresh API key for this run and revokes the keys of
 * earlier runs. Idempotent: run it against the same database any number of times. Returns the new key.
 */
export async function prepareConformanceTenant(
  adminUrl: string,
  pepper: string,
): Promise<{ tenantId: string; apiKey: string }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // As the superuser, like an operator's maintenance connection (row-level security does not apply).
    const { rows } = await client.query<{ id: string }>(
      `insert into public.tenants (slug, name, plan, features_add, rate_limit_per_minute)
       values ($1, 'MCP conformance suite', 'free', array['conformance_fixtures'], 100000)
       on conflict (slug) do update
         set features_add = array(select distinct unnest(tenants.features_add || array['conformance_fixtures'])),
             features_remove = array_remove(tenants.features_remove, 'conformance_fixtures'),
             rate_limit_per_minute = excluded.rate_limit_per_minute,
             status = 'active'
       returning id`,
      [CONFORMANCE_SLUG],
    );
    const tenantId = rows[0]?.id;
    if (!tenantId) throw new Error("could not create the conformance tenant");
    await client.query(
      "update public.api_keys set revoked_at = now() where tenant_id = $1 and name = $2 and revoked_at is null",
      [tenantId, KEY_NAME],
    );
    const { apiKey } = await createApiKey(client, { tenantId, name: KEY_NAME, pepper });
    return { tenantId, apiKey };
  } finally {
    await client.end();
  }
}
