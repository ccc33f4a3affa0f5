-- Tenants, their API keys, and the one function through which the Worker finds a key's tenant.
--
-- Every policy compares with NULLIF(current_setting('app.tenant_id', true), '')::uuid: the setting is NULL on a fresh
-- connection and '' on one where an earlier transaction set it, so an unset tenant matches nothing and never raises
-- a cast error. The Worker sets it with set_config('app.tenant_id', $1, true) inside each transaction.

SET LOCAL ROLE tenant_mcp_owner;

-- Keeps updated_at honest whichever client writes the row.
CREATE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;

CREATE TABLE public.tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text NOT NULL,
  plan text NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
  features_add text[] NOT NULL DEFAULT '{}',
  features_remove text[] NOT NULL DEFAULT '{}',
  rate_limit_per_minute integer NOT NULL DEFAULT 60 CHECK (rate_limit_per_minute > 0),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  config jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER tenants_set_updated_at BEFORE UPDATE ON public.tenants
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.tenants FOR ALL
  USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- A key is presented as tmcp_<id>_<secret>. id is random and not secret (it is the lookup handle and shows up in
-- logs); only HMAC-SHA-256(pepper, secret) is stored, as lowercase hex, and the Worker compares in constant time.
CREATE TABLE public.api_keys (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{8,64}$'),
  tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid
    REFERENCES public.tenants (id) ON DELETE CASCADE,
  name text,
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Lets later tables reference a key together with its tenant, and serves "list this tenant's keys".
  UNIQUE (tenant_id, id)
);

ALTER TABLE public.api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.api_keys FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The Worker reads its own tenant row (it learns the id from lookup_api_key). It never reads api_keys directly.
GRANT SELECT ON public.tenants TO tenant_mcp_app;

-- Key lookup. The Worker knows only the key id when a request arrives, so it cannot set app.tenant_id first: this
-- function must read across tenants. It runs as tenant_mcp_key_lookup, a NOLOGIN role that may only SELECT these
-- two tables, through SELECT-only policies granted to it alone. Alternatives not taken:
--   * owned by tenant_mcp_owner with a permissive policy for the owner: a SECURITY DEFINER function would then run
--     with a role that can run DDL and write every table, and the owner's own connections would lose FORCE RLS on
--     tenants and api_keys;
--   * a BYPASSRLS role: needs a superuser (or, from PostgreSQL 16, a creator that has BYPASSRLS itself) and bypasses
--     every policy on every table rather than granting exactly one read.
-- The body is one static statement with every name qualified, and search_path is pinned (pg_temp last), so a caller
-- cannot substitute objects.
GRANT SELECT ON public.tenants, public.api_keys TO tenant_mcp_key_lookup;
CREATE POLICY key_lookup_read ON public.tenants FOR SELECT TO tenant_mcp_key_lookup USING (true);
CREATE POLICY key_lookup_read ON public.api_keys FOR SELECT TO tenant_mcp_key_lookup USING (true);

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
  config jsonb
)
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT k.id, k.tenant_id, k.secret_hash, k.expires_at, k.revoked_at,
         t.slug, t.name, t.plan, t.features_add, t.features_remove, t.rate_limit_per_minute, t.status, t.config
    FROM public.api_keys AS k
    JOIN public.tenants AS t ON t.id = k.tenant_id
   WHERE k.id = p_key_id
$$;

COMMENT ON FUNCTION public.lookup_api_key(text) IS
  'The API key with this id and its tenant, or no row. Expiry, revocation and tenant status are returned, not '
  'filtered, so the caller can log why a key failed (and answer every failure the same way).';

REVOKE EXECUTE ON FUNCTION public.lookup_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.lookup_api_key(text) TO tenant_mcp_app;

-- Hand the function to its definer role. ALTER ... OWNER TO requires the new owner to be allowed to create in the
-- schema; it needs that only for this statement.
RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_key_lookup;
ALTER FUNCTION public.lookup_api_key(text) OWNER TO tenant_mcp_key_lookup;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_key_lookup;
