-- How a tenant's users sign in at /authorize (OAuth for hosted MCP clients): through the tenant's own OpenID Connect
-- provider, by pasting one of the tenant's API keys, or both. One row per tenant; a tenant without a row has the
-- defaults (API-key login on, no OpenID Connect). Written by the admin CLI (`tenant login`) as the owner role under
-- the tenant_isolation policy like every other table; read by the Worker through public.lookup_tenant_login only.
--
-- The client secret is never stored in clear: the CLI seals it with AES-256-GCM under the Worker secret
-- LOGIN_SECRET_KEY, the tenant id as additional data (a sealed secret copied into another tenant's row does not
-- open), as `v1.<iv>.<ciphertext>` in base64url (src/oauth/login/secret-box.ts). A database dump alone does not
-- reveal it.

SET LOCAL ROLE tenant_mcp_owner;

CREATE TABLE public.tenant_login (
  tenant_id uuid PRIMARY KEY DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid
    REFERENCES public.tenants (id) ON DELETE CASCADE,
  -- The OpenID Connect issuer exactly as the provider spells it in its discovery document (trailing slash and all:
  -- OIDC Discovery §4.3 compares it character for character). https, or http on a loopback address for development.
  oidc_issuer text CHECK (length(oidc_issuer) <= 512 AND oidc_issuer ~ '^https?://'),
  oidc_client_id text CHECK (length(oidc_client_id) BETWEEN 1 AND 256),
  -- Null: a public client (PKCE only, no client authentication at the token endpoint).
  oidc_client_secret text CHECK (oidc_client_secret ~ '^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$'),
  -- Lower-case domains; empty: any e-mail, or none. When set, only a verified e-mail in one of them signs in.
  allowed_email_domains text[] NOT NULL DEFAULT '{}' CHECK (cardinality(allowed_email_domains) <= 50),
  -- A claim the ID token must carry with this value (or, for an array claim, contain), e.g. groups=mcp-users.
  required_claim_name text CHECK (length(required_claim_name) BETWEEN 1 AND 64),
  required_claim_value text CHECK (length(required_claim_value) BETWEEN 1 AND 256),
  -- Sign in by pasting one of the tenant's API keys.
  api_key_login boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- OpenID Connect is on (issuer and client id) or off (neither, and nothing that only applies to it).
  CONSTRAINT tenant_login_oidc_complete CHECK ((oidc_issuer IS NULL) = (oidc_client_id IS NULL)),
  CONSTRAINT tenant_login_oidc_extras CHECK (
    oidc_issuer IS NOT NULL
    OR (oidc_client_secret IS NULL AND required_claim_name IS NULL AND cardinality(allowed_email_domains) = 0)
  ),
  CONSTRAINT tenant_login_claim_pair CHECK ((required_claim_name IS NULL) = (required_claim_value IS NULL))
);

CREATE TRIGGER tenant_login_set_updated_at BEFORE UPDATE ON public.tenant_login
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.tenant_login ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenant_login FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.tenant_login FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The Worker learns the tenant at /authorize from a host name or a slug typed on the page, before any tenant is in
-- scope, so like lookup_api_key (002) this read crosses tenants. It runs as tenant_mcp_key_lookup, which already
-- reads every tenant row for key lookups; it gets SELECT on this table through a policy granted to it alone. The
-- Worker itself gets no grant on the table.
GRANT SELECT ON public.tenant_login TO tenant_mcp_key_lookup;
CREATE POLICY key_lookup_read ON public.tenant_login FOR SELECT TO tenant_mcp_key_lookup USING (true);

CREATE FUNCTION public.lookup_tenant_login(p_slug text)
RETURNS TABLE (
  tenant_id uuid,
  slug text,
  status text,
  oidc_issuer text,
  oidc_client_id text,
  oidc_client_secret text,
  allowed_email_domains text[],
  required_claim_name text,
  required_claim_value text,
  api_key_login boolean
)
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.id, t.slug, t.status, l.oidc_issuer, l.oidc_client_id, l.oidc_client_secret,
         COALESCE(l.allowed_email_domains, '{}'), l.required_claim_name, l.required_claim_value,
         COALESCE(l.api_key_login, true)
    FROM public.tenants AS t
    LEFT JOIN public.tenant_login AS l ON l.tenant_id = t.id
   WHERE t.slug = p_slug
$$;

COMMENT ON FUNCTION public.lookup_tenant_login(text) IS
  'The tenant with this slug and how its users sign in, or no row. Status is returned, not filtered, so the caller '
  'decides how a suspended tenant is answered.';

REVOKE EXECUTE ON FUNCTION public.lookup_tenant_login(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.lookup_tenant_login(text) TO tenant_mcp_app;

-- Hand the function to its definer role (see 002 for why CREATE is granted for this statement only).
RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_key_lookup;
ALTER FUNCTION public.lookup_tenant_login(text) OWNER TO tenant_mcp_key_lookup;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_key_lookup;
