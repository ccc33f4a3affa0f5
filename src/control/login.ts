import { isoOrNull } from "../db/timestamps.ts";
import { sealSecret, SecretBoxError } from "../crypto/secret-box.ts";
import { ControlError, field, invalid, says, type MessageParts } from "./errors.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { parseInput, tenantLoginInput, type TenantLoginInput } from "./schemas.ts";
import type { AdminDeps } from "./types.ts";
import { invalidateWorkerCache } from "./worker-cache.ts";

export type { TenantLoginInput } from "./schemas.ts";

/** How a tenant's users sign in, as the CLI shows it: never the client secret, only whether there is one. */
export interface TenantLoginView {
  slug: string;
  /** Null: OpenID Connect is off. */
  oidc: {
    issuer: string;
    clientId: string;
    /** `sealed`: a secret is stored (encrypted); `none`: a public client. */
    clientSecret: "sealed" | "none";
    allowedEmailDomains: string[];
    requiredClaim: { name: string; value: string } | null;
  } | null;
  apiKeyLogin: boolean;
  /** When the settings last changed (ISO 8601); null while the tenant has the defaults. */
  updatedAt: string | null;
}

/** What `tenant login` did: the settings as they are now, and what the operator should know about them. */
export interface TenantLoginUpdate {
  login: TenantLoginView;
  /** One line each (render with `renderMessage`), e.g. that no login method is left. */
  warnings: MessageParts[];
}

const LOGIN_SELECT = `select l.oidc_issuer, l.oidc_client_id, l.oidc_client_secret, l.allowed_email_domains,
       l.required_claim_name, l.required_claim_value, l.api_key_login, l.updated_at
  from public.tenant_login as l`;

/** A tenant's sign-in settings (the defaults when it never had any). */
export async function getTenantLogin(deps: AdminDeps, slug: string): Promise<TenantLoginView> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [{ text: LOGIN_SELECT }]);
  if (tenantId === null) throw notFound(slug);
  return toView(slug, results[0]?.[0]);
}

/**
 * Changes how a tenant's users sign in at /authorize. Absent fields stay as they are. Giving `oidcIssuer` needs
 * `clientId` too and replaces the client secret (with `clientSecret`, or none): a secret registered at one provider
 * must never be sent to another one an operator typed. The secret is sealed under LOGIN_SECRET_KEY, bound to the
 * tenant, before it leaves this process. Takes effect on the next sign-in, and on the next request of every OAuth
 * grant signed in with a method switched off here (the Worker's cached tenant record is invalidated): those tokens
 * stop working, and work again if the method is switched back on while they are still valid.
 */
export async function setTenantLogin(deps: AdminDeps, slug: string, raw: TenantLoginInput): Promise<TenantLoginUpdate> {
  const input = parseInput(tenantLoginInput, raw);
  if (!input.disableOidc && Object.entries(input).every(([k, v]) => k === "disableOidc" || v === undefined)) {
    throw invalid(
      undefined,
      says`nothing to change: give ${field("oidcIssuer")}, ${field("disableOidc")}, ${field("apiKeyLogin")}, ${field("allowedEmailDomains")} or ${field("requiredClaim")}`,
    );
  }
  const oidcFields = ["oidcIssuer", "clientId", "clientSecret", "allowedEmailDomains", "requiredClaim"] as const;
  const given = oidcFields.filter((f) => input[f] !== undefined);
  if (input.disableOidc && given.length) {
    throw invalid(given[0], says`${field("disableOidc")} cannot be combined with ${field(given[0] as string)}`);
  }
  if (input.oidcIssuer !== undefined && input.clientId === undefined) {
    throw invalid("clientId", says`${field("oidcIssuer")} needs ${field("clientId")} (the client registered there)`);
  }

  // First the tenant id (the sealed secret is bound to it) and the current row, then the write: two round trips, as
  // this runs rarely and from a terminal.
  const read = await ownerTransaction(deps.sql, { slug }, [{ text: LOGIN_SELECT }]);
  if (read.tenantId === null) throw notFound(slug);
  const tenantId = read.tenantId;
  const current = read.results[0]?.[0];

  const issuer = input.disableOidc ? null : (input.oidcIssuer ?? (current?.oidc_issuer as string | null) ?? null);
  if (issuer === null && given.length) {
    throw invalid(
      given[0],
      says`${field(given[0] as string)} applies to OpenID Connect, which is off for "${slug}": give ${field("oidcIssuer")} too`,
    );
  }
  let sealed: string | null = input.disableOidc ? null : ((current?.oidc_client_secret as string | null) ?? null);
  if (input.oidcIssuer !== undefined) sealed = null;
  if (typeof input.clientSecret === "string") sealed = await seal(deps, tenantId, input.clientSecret);
  else if (input.clientSecret === null) sealed = null;

  const claim =
    input.requiredClaim === undefined
      ? current?.required_claim_name
        ? { name: String(current.required_claim_name), value: String(current.required_claim_value) }
        : null
      : input.requiredClaim;
  const row = {
    issuer,
    clientId: issuer === null ? null : (input.clientId ?? (current?.oidc_client_id as string)),
    sealed,
    domains:
      issuer === null ? [] : (input.allowedEmailDomains ?? (current?.allowed_email_domains as string[] | null) ?? []),
    claim: issuer === null ? null : claim,
    apiKeyLogin: input.apiKeyLogin ?? (current?.api_key_login as boolean | undefined) ?? true,
  };
  const { results } = await ownerTransaction(deps.sql, { tenantId }, [
    {
      text: `insert into public.tenant_login as l (tenant_id, oidc_issuer, oidc_client_id, oidc_client_secret,
               allowed_email_domains, required_claim_name, required_claim_value, api_key_login)
             values ($1, $2, $3, $4, $5::text[], $6, $7, $8)
             on conflict (tenant_id) do update set
               oidc_issuer = excluded.oidc_issuer, oidc_client_id = excluded.oidc_client_id,
               oidc_client_secret = excluded.oidc_client_secret, allowed_email_domains = excluded.allowed_email_domains,
               required_claim_name = excluded.required_claim_name, required_claim_value = excluded.required_claim_value,
               api_key_login = excluded.api_key_login
             returning l.oidc_issuer, l.oidc_client_id, l.oidc_client_secret, l.allowed_email_domains,
               l.required_claim_name, l.required_claim_value, l.api_key_login, l.updated_at`,
      params: [
        tenantId,
        row.issuer,
        row.clientId,
        row.sealed,
        [...new Set(row.domains)].sort(),
        row.claim?.name ?? null,
        row.claim?.value ?? null,
        row.apiKeyLogin,
      ],
    },
  ]);
  const login = toView(slug, results[0]?.[0]);
  await invalidateWorkerCache(deps.shards, [], [tenantId]);
  const warnings: MessageParts[] = [];
  if (!login.oidc && !login.apiKeyLogin) {
    warnings.push(says`"${slug}" has no login method left: its users cannot sign in to connect OAuth clients`);
  }
  if (login.oidc && login.oidc.clientSecret === "none" && input.oidcIssuer !== undefined) {
    warnings.push(
      says`no client secret given: a public client (PKCE only); add ${field("clientSecret")} if the provider issued one`,
    );
  }
  return { login, warnings };
}

async function seal(deps: AdminDeps, tenantId: string, secret: string): Promise<string> {
  try {
    return await sealSecret({ name: "LOGIN_SECRET_KEY", raw: deps.loginSecretKey ?? "" }, tenantId, secret);
  } catch (err) {
    if (err instanceof SecretBoxError) {
      throw invalid(
        "clientSecret",
        `${err.message}: the client secret is sealed with the Worker's LOGIN_SECRET_KEY, so set it as the Worker has it`,
      );
    }
    throw err;
  }
}

function notFound(slug: string): ControlError {
  return new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
}

function toView(slug: string, row: Row | undefined): TenantLoginView {
  const issuer = (row?.oidc_issuer as string | null | undefined) ?? null;
  return {
    slug,
    oidc:
      issuer === null
        ? null
        : {
            issuer,
            clientId: String(row?.oidc_client_id),
            clientSecret: row?.oidc_client_secret ? "sealed" : "none",
            allowedEmailDomains: (row?.allowed_email_domains as string[] | null) ?? [],
            requiredClaim: row?.required_claim_name
              ? { name: String(row.required_claim_name), value: String(row.required_claim_value) }
              : null,
          },
    apiKeyLogin: (row?.api_key_login as boolean | undefined) ?? true,
    updatedAt: isoOrNull(row?.updated_at),
  };
}
