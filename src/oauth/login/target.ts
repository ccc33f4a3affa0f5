import type { RequestContext } from "../../context.ts";
import { unavailable } from "../../http/errors.ts";
import type { TenantLoginTarget } from "./methods.ts";

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The tenant with this slug, as the sign-in page needs it, or `null` when there is none (or the slug could not be
 * one). Through `lookup_tenant_login` (sql/009), which returns nothing but id, slug and status. A suspended tenant is
 * returned: the key check that follows refuses it with the tenant's own answer, to its key holders only.
 */
export async function loadLoginTarget(rc: RequestContext, slug: string): Promise<TenantLoginTarget | null> {
  const normal = slug.trim().toLowerCase();
  if (!SLUG.test(normal)) return null;
  let rows: { id: string; slug: string }[];
  try {
    rows = (await rc.sql.query("select id, slug from public.lookup_tenant_login($1)", [normal])) as typeof rows;
  } catch (err) {
    throw unavailable("tenant directory", err);
  }
  const row = rows[0];
  // Every tenant signs in with its API keys until per-tenant login settings exist.
  return row ? { tenantId: row.id, slug: row.slug, settings: { apiKeyLogin: true } } : null;
}
