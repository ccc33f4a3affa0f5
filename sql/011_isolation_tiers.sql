-- Isolation tiers (docs/isolation.md): where each tenant's data tables live.
--
--   shared    the tables in schema public of this database, next to every other shared tenant's rows (the default)
--   schema    a schema of the tenant's own in this database, tenant_<id without hyphens>, created by the admin CLI
--   database  a database of the tenant's own, reached with its own connection string
--
-- Every tier keeps FORCE ROW LEVEL SECURITY and the transaction-local app.tenant_id on the tenant tables: a tier adds
-- isolation, it never replaces row-level security. The control plane (tenants, keys, login settings, the audit log)
-- stays here, in schema public, for every tier.
--
-- A dedicated database's connection strings are never stored in clear: the admin CLI seals them with AES-256-GCM
-- under the Worker secret DATA_SECRET_KEY, the tenant id as additional data (src/crypto/secret-box.ts), as
-- `v1.<iv>.<ciphertext>` in base64url. data_url is the Worker's login (the Worker opens it); the admin login the
-- operator tools use to provision, migrate and move is kept apart in tenant_databases, which the Worker cannot read.

SET LOCAL ROLE tenant_mcp_owner;

ALTER TABLE public.tenants
  ADD COLUMN isolation text NOT NULL DEFAULT 'shared' CHECK (isolation IN ('shared', 'schema', 'database')),
  ADD COLUMN data_schema text CHECK (data_schema ~ '^tenant_[0-9a-f]{32}$'),
  ADD COLUMN data_url text CHECK (data_url ~ '^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$'),
  -- Set by `tenant move` from the moment it fences the tenant's data until the switch is done: the Worker answers the
  -- tenant's writes with 503 and Retry-After meanwhile (before any MCP work), and only that tenant's.
  ADD COLUMN data_moving_since timestamptz,
  ADD CONSTRAINT tenants_data_location_check CHECK (
    CASE isolation
      WHEN 'shared' THEN data_schema IS NULL AND data_url IS NULL
      WHEN 'schema' THEN data_schema IS NOT NULL AND data_url IS NULL
      ELSE data_schema IS NULL AND data_url IS NOT NULL
    END
  );

-- Written and read by the operator tools only (as the owner role, under the tenant's own policy); no Worker grant.
CREATE TABLE public.tenant_databases (
  tenant_id uuid PRIMARY KEY DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid
    REFERENCES public.tenants (id) ON DELETE CASCADE,
  admin_url text NOT NULL CHECK (admin_url ~ '^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER tenant_databases_set_updated_at BEFORE UPDATE ON public.tenant_databases
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.tenant_databases ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenant_databases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.tenant_databases FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The Worker learns a tenant's data location with its key, in the same lookup (no extra round trip): lookup_api_key
-- is made again as 008 made it, with the location as its last columns.
RESET ROLE;
DROP FUNCTION public.lookup_api_key(text);
SET LOCAL ROLE tenant_mcp_owner;

CREATE FUNCTION public.lookup_api_key(p_key_id text)
RETURNS TABLE (
  key_id text,
  tenant_id uuid,
  secret_hash text,
  expires_at timestamptz,
  revoked_at timestamptz,
  slug text,
  name text,
  plan text,
  features_add text[],
  features_remove text[],
  rate_limit_per_minute integer,
  status text,
  config jsonb,
  scopes text[],
  isolation text,
  data_schema text,
  data_url text,
  data_moving boolean
)
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT k.id, k.tenant_id, k.secret_hash, k.expires_at, k.revoked_at,
         t.slug, t.name, t.plan, t.features_add, t.features_remove, t.rate_limit_per_minute, t.status, t.config,
         k.scopes, t.isolation, t.data_schema, t.data_url, t.data_moving_since IS NOT NULL
    FROM public.api_keys AS k
    JOIN public.tenants AS t ON t.id = k.tenant_id
   WHERE k.id = p_key_id
$$;

COMMENT ON FUNCTION public.lookup_api_key(text) IS
  'The API key with this id, its scopes and its tenant (with its data location), or no row. Expiry, revocation and '
  'tenant status are returned, not filtered, so the caller can log why a key failed (and answer every failure the '
  'same way).';

REVOKE EXECUTE ON FUNCTION public.lookup_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.lookup_api_key(text) TO tenant_mcp_app;

RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_key_lookup;
ALTER FUNCTION public.lookup_api_key(text) OWNER TO tenant_mcp_key_lookup;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_key_lookup;
