-- What every database that holds tenant tables needs once, whatever schemas it has: the main database (run after its
-- numbered migrations) and each dedicated tenant database (run after sql/001_roles.sql, which makes the roles there).
-- Idempotent, and run on every `npm run migrate`: a changed definition here reaches every database the same way.
--
-- public.enter_tenant is the first statement of every tenant-data transaction the Worker sends (src/db/tenant-db.ts).
-- In one call, inside the transaction's single round trip, it:
--   * sets app.tenant_id (transaction-local), which every tenant table's row-level security policy reads;
--   * sets search_path (transaction-local) to the tenant's schema (schema tier) or public (shared and database tiers),
--     so the tools' unqualified table names resolve to the tenant's own tables without any SQL built from a name;
--   * for a write, holds the tenant's data lock shared until commit, and refuses while the tenant's data is being
--     moved to another tier (src/control/ moves: the mover fences the tenant, then takes the lock exclusively, which
--     waits out every write that started before the fence), with SQLSTATE 55TM1, which the Worker answers as "retry".
--     Reads go on from the old copy until the switch ('moving'); after it ('moved') every call here is refused, so an
--     isolate that still holds the old location retries and learns the new one.

SET LOCAL ROLE tenant_mcp_owner;

CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;

CREATE TABLE IF NOT EXISTS public.data_fences (
  tenant_id uuid PRIMARY KEY DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid,
  state text NOT NULL CHECK (state IN ('moving', 'moved')),
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE public.data_fences ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.data_fences FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON public.data_fences;
CREATE POLICY tenant_isolation ON public.data_fences FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- The schema whose copy the fence is for (null: every schema here). One database can hold two copies of a tenant's
-- data during a move between the shared and the schema tier: the fence of the old copy must not refuse the new one,
-- or the switch would have to lift it, and a write through a location read just before the switch would land in the
-- old copy and be lost with it.
ALTER TABLE public.data_fences ADD COLUMN IF NOT EXISTS schema_name text;
GRANT SELECT ON public.data_fences TO tenant_mcp_app;

-- No SET clause: a function with one restores the setting on exit, and the settings made here must outlive the call
-- for the rest of the transaction. Every name is schema-qualified instead, and the schema argument must be a tenant
-- schema's name (the Worker passes the one from the tenant's record; a bug elsewhere cannot point it anywhere else).
CREATE OR REPLACE FUNCTION public.enter_tenant(p_tenant uuid, p_schema text, p_write boolean) RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
  v_state text;
BEGIN
  IF p_schema IS NOT NULL AND p_schema !~ '^tenant_[0-9a-f]{32}$' THEN
    RAISE EXCEPTION 'enter_tenant: % is not a tenant schema', p_schema USING ERRCODE = '22023';
  END IF;
  PERFORM pg_catalog.set_config('app.tenant_id', p_tenant::text, true);
  PERFORM pg_catalog.set_config('search_path', COALESCE(p_schema, 'public'), true);
  IF p_write THEN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtextextended('tenant_mcp:data:' || p_tenant::text, 0));
  END IF;
  SELECT f.state INTO v_state FROM public.data_fences AS f
   WHERE f.tenant_id = p_tenant AND (f.schema_name IS NULL OR f.schema_name = COALESCE(p_schema, 'public'));
  IF v_state = 'moved' OR (v_state = 'moving' AND p_write) THEN
    RAISE EXCEPTION 'tenant data is % to another location', v_state USING ERRCODE = '55TM1';
  END IF;
END
$$;

REVOKE EXECUTE ON FUNCTION public.enter_tenant(uuid, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.enter_tenant(uuid, text, boolean) TO tenant_mcp_app;
