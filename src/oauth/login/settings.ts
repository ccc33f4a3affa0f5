import type { RequestContext } from "../../context.ts";
import { unavailable } from "../../http/errors.ts";
import type { TenantLoginTarget } from "./methods.ts";

/** How a tenant's users sign in (sql/010_tenant_login.sql; set with `npm run admin -- tenant login`). */
export interface TenantLoginSettings {
  /** Sign-in through the tenant's own OpenID Connect provider; null when off. */
  oidc: OidcSettings | null;
  /** Sign-in by pasting one of the tenant's API keys. */
  apiKeyLogin: boolean;
}

/** A tenant's OpenID Connect provider and the rules a signed-in user must meet. */
export interface OidcSettings {
  /** The issuer, exactly as the provider's discovery document spells it. */
  issuer: string;
  clientId: string;
  /** The client secret as stored: sealed under LOGIN_SECRET_KEY for this tenant (secret-box.ts); null: public client. */
  sealedClientSecret: string | null;
  /** Only a verified e-mail in one of these domains signs in; empty: no rule. */
  allowedEmailDomains: readonly string[];
  /** A claim the ID token must carry with this value (or contain, for an array); null: no rule. */
  requiredClaim: { name: string; value: string } | null;
}

/**
 * The tenant with this slug and its sign-in settings, or null when there is no such active tenant: an unknown and a
 * suspended tenant look the same, so a sign-in page never tells which tenants exist. One Postgres round trip through
 * `lookup_tenant_login` (the Worker has no grant on the table itself). Throws a 503 HttpError when Postgres is down.
 */
export async function loadTenantLogin(rc: RequestContext, slug: string): Promise<TenantLoginTarget | null> {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) return null;
  let rows: Record<string, unknown>[];
  try {
    rows = (await rc.sql.query("select * from public.lookup_tenant_login($1)", [slug])) as Record<string, unknown>[];
  } catch (err) {
    throw unavailable("tenant sign-in settings", err);
  }
  const row = rows[0];
  if (row?.status !== "active") return null;
  return { tenantId: String(row.tenant_id), slug: String(row.slug), settings: toSettings(row) };
}

/** A `lookup_tenant_login` row as settings. */
export function toSettings(row: Record<string, unknown>): TenantLoginSettings {
  const issuer = (row.oidc_issuer as string | null) ?? null;
  return {
    apiKeyLogin: row.api_key_login !== false,
    oidc:
      issuer === null
        ? null
        : {
            issuer,
            clientId: String(row.oidc_client_id),
            sealedClientSecret: (row.oidc_client_secret as string | null) ?? null,
            allowedEmailDomains: (row.allowed_email_domains as string[] | null) ?? [],
            requiredClaim:
              row.required_claim_name != null
                ? { name: String(row.required_claim_name), value: String(row.required_claim_value) }
                : null,
          },
  };
}
