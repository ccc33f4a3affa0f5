-- What the operator tools need to reach every tenant's data location (docs/isolation.md): `npm run migrate` applies
-- the tenant-table migrations (sql/data/) to each schema and dedicated database, and `tenant move` keeps a journal of
-- the move in progress, so a move killed at any step is rolled back (or finished, past the switch) by the next one.
--
-- The directory function follows sql/005: SECURITY DEFINER, owned by the NOLOGIN role tenant_mcp_directory, read-only,
-- executable by the owner role only (never by the Worker).

GRANT SELECT ON public.tenant_databases TO tenant_mcp_directory;
CREATE POLICY directory_read ON public.tenant_databases FOR SELECT TO tenant_mcp_directory USING (true);

SET LOCAL ROLE tenant_mcp_owner;

-- Every tenant whose data is not in public, with the sealed admin URL of its dedicated database (opened by the
-- operator tools with DATA_SECRET_KEY, the tenant id as additional data). Shared tenants live in public, which the
-- runner migrates once for all of them.
CREATE FUNCTION public.directory_data_locations()
RETURNS TABLE (id uuid, slug text, isolation text, data_schema text, admin_url text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.id, t.slug, t.isolation, t.data_schema, d.admin_url
    FROM public.tenants AS t
    LEFT JOIN public.tenant_databases AS d ON d.tenant_id = t.id
   WHERE t.isolation <> 'shared'
   ORDER BY t.slug
$$;

REVOKE EXECUTE ON FUNCTION public.directory_data_locations() FROM PUBLIC;

-- The move journal: one row per tenant while `tenant move` runs, in the tenant's scope (FORCE RLS), written by the
-- operator tools only (no Worker grant). `step` is the last step done; the target's connection strings are sealed as in
-- tenants.data_url and tenant_databases.admin_url.
CREATE TABLE public.tenant_moves (
  tenant_id uuid PRIMARY KEY DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid
    REFERENCES public.tenants (id) ON DELETE CASCADE,
  step text NOT NULL CHECK (step IN ('started', 'prepared', 'fenced', 'copied', 'verified', 'switched', 'sealed')),
  from_isolation text NOT NULL CHECK (from_isolation IN ('shared', 'schema', 'database')),
  from_schema text CHECK (from_schema ~ '^tenant_[0-9a-f]{32}$'),
  from_data_url text,
  from_admin_url text,
  to_isolation text NOT NULL CHECK (to_isolation IN ('shared', 'schema', 'database')),
  to_schema text CHECK (to_schema ~ '^tenant_[0-9a-f]{32}$'),
  to_data_url text,
  to_admin_url text,
  -- The move created the target database (and drops it when rolled back); a database named by the operator is kept.
  created_database boolean NOT NULL DEFAULT false,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER tenant_moves_set_updated_at BEFORE UPDATE ON public.tenant_moves
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.tenant_moves ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenant_moves FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.tenant_moves FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- `tenant list` shows each tenant's tier: directory_tenants() is made again as 005 made it, with the location last.
RESET ROLE;
DROP FUNCTION public.directory_tenants();
SET LOCAL ROLE tenant_mcp_owner;

CREATE FUNCTION public.directory_tenants()
RETURNS TABLE (
  id uuid,
  slug text,
  name text,
  plan text,
  features_add text[],
  features_remove text[],
  rate_limit_per_minute integer,
  status text,
  config jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  active_keys bigint,
  isolation text,
  data_schema text,
  data_moving_since timestamptz
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.id, t.slug, t.name, t.plan, t.features_add, t.features_remove, t.rate_limit_per_minute, t.status,
         t.config, t.created_at, t.updated_at,
         (SELECT pg_catalog.count(*)
            FROM public.api_keys AS k
           WHERE k.tenant_id = t.id
             AND (k.revoked_at IS NULL OR k.revoked_at > pg_catalog.now())
             AND (k.expires_at IS NULL OR k.expires_at > pg_catalog.now())),
         t.isolation, t.data_schema, t.data_moving_since
    FROM public.tenants AS t
   ORDER BY t.slug
$$;

REVOKE EXECUTE ON FUNCTION public.directory_tenants() FROM PUBLIC;

RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_directory;
ALTER FUNCTION public.directory_tenants() OWNER TO tenant_mcp_directory;
ALTER FUNCTION public.directory_data_locations() OWNER TO tenant_mcp_directory;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_directory;
GRANT EXECUTE ON FUNCTION public.directory_tenants(), public.directory_data_locations() TO tenant_mcp_owner;
