-- The audit log of tool calls, a cheap last_used_at for API keys, and the operator's directory (what the admin CLI
-- needs to find a tenant by slug or a key's tenant, across tenants, while every other statement stays under RLS).
--
-- Two more NOLOGIN roles, each owning SECURITY DEFINER functions and holding only the grants those need (the same
-- reasoning as tenant_mcp_key_lookup in 002):
--   tenant_mcp_directory  reads tenants and the non-secret columns of api_keys across tenants, for the operator only.
--   tenant_mcp_key_touch  sets api_keys.last_used_at, and only within the tenant the caller set in app.tenant_id.

DO $$
BEGIN
  BEGIN
    CREATE ROLE tenant_mcp_directory NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- exists, or a concurrent runner just made it
  END;
  BEGIN
    CREATE ROLE tenant_mcp_key_touch NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$$;

-- As in 001: a role that already existed keeps its attributes, so check them instead of trusting them.
DO $$
DECLARE
  bad text;
BEGIN
  SELECT pg_catalog.string_agg(r.rolname, ', ') INTO bad
    FROM pg_catalog.pg_roles r
   WHERE r.rolname IN ('tenant_mcp_directory', 'tenant_mcp_key_touch')
     AND (r.rolsuper OR r.rolbypassrls OR r.rolcanlogin);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'role(s) % must be NOLOGIN NOSUPERUSER NOBYPASSRLS', bad;
  END IF;
  -- A non-superuser admin (Neon's project owner) needs membership to hand functions over with ALTER ... OWNER TO.
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    EXECUTE pg_catalog.format('GRANT tenant_mcp_directory, tenant_mcp_key_touch TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenant_mcp_directory, tenant_mcp_key_touch;

SET LOCAL ROLE tenant_mcp_owner;

-- Audit log ---------------------------------------------------------------------------------------------------------
-- One row per tools/call, written by the Worker after the response. key_id has no foreign key on purpose: the record
-- of what a key did must not depend on the key row. Deleting the tenant deletes its log.
CREATE TABLE public.audit_log (
  tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid
    REFERENCES public.tenants (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  called_at timestamptz NOT NULL DEFAULT now(),
  request_id text NOT NULL CHECK (length(request_id) <= 64),
  key_id text NOT NULL CHECK (length(key_id) <= 64),
  session_id text CHECK (length(session_id) <= 64),
  tool text NOT NULL CHECK (length(tool) <= 128),
  status text NOT NULL CHECK (status IN ('ok', 'error')),
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  PRIMARY KEY (tenant_id, id)
);

-- `npm run admin -- usage <slug> --since 7d` reads one tenant's recent rows.
CREATE INDEX audit_log_tenant_called_idx ON public.audit_log (tenant_id, called_at);

ALTER TABLE public.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.audit_log FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The Worker appends and never reads, changes or deletes: a compromised Worker cannot rewrite history.
GRANT INSERT ON public.audit_log TO tenant_mcp_app;

-- last_used_at ------------------------------------------------------------------------------------------------------
-- Called by the Worker in the same transaction as the audit insert (no extra round trip). Writes at most once a
-- minute per key, so a busy key does not turn every call into a row update. The tenant_isolation policy of api_keys
-- applies to the definer role (it is not the owner and has no BYPASSRLS), so only the caller's tenant's key moves.
CREATE FUNCTION public.touch_api_key(p_key_id text) RETURNS void
LANGUAGE sql
VOLATILE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  UPDATE public.api_keys
     SET last_used_at = pg_catalog.now()
   WHERE id = p_key_id
     AND (last_used_at IS NULL OR last_used_at < pg_catalog.now() - interval '1 minute')
$$;

REVOKE EXECUTE ON FUNCTION public.touch_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.touch_api_key(text) TO tenant_mcp_app;
GRANT SELECT (id, tenant_id, last_used_at), UPDATE (last_used_at) ON public.api_keys TO tenant_mcp_key_touch;

-- Operator directory ------------------------------------------------------------------------------------------------
-- The owner role is under FORCE RLS like everyone else, so the admin CLI cannot list tenants or resolve a slug by
-- itself. These three read-only functions are all it gets across tenants; every change it makes runs in a
-- transaction scoped to one tenant. Never granted to the Worker.
GRANT SELECT ON public.tenants TO tenant_mcp_directory;
GRANT SELECT (id, tenant_id, expires_at, revoked_at) ON public.api_keys TO tenant_mcp_directory;
CREATE POLICY directory_read ON public.tenants FOR SELECT TO tenant_mcp_directory USING (true);
CREATE POLICY directory_read ON public.api_keys FOR SELECT TO tenant_mcp_directory USING (true);

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
  active_keys bigint
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
             AND (k.expires_at IS NULL OR k.expires_at > pg_catalog.now()))
    FROM public.tenants AS t
   ORDER BY t.slug
$$;

CREATE FUNCTION public.directory_tenant_id(p_slug text) RETURNS uuid
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.id FROM public.tenants AS t WHERE t.slug = p_slug
$$;

CREATE FUNCTION public.directory_key_tenant_id(p_key_id text) RETURNS uuid
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT k.tenant_id FROM public.api_keys AS k WHERE k.id = p_key_id
$$;

REVOKE EXECUTE ON FUNCTION public.directory_tenants(), public.directory_tenant_id(text), public.directory_key_tenant_id(text)
  FROM PUBLIC;

-- Hand the functions to their definer roles (see 002 for why CREATE is granted for these statements only).
RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_directory, tenant_mcp_key_touch;
ALTER FUNCTION public.touch_api_key(text) OWNER TO tenant_mcp_key_touch;
ALTER FUNCTION public.directory_tenants() OWNER TO tenant_mcp_directory;
ALTER FUNCTION public.directory_tenant_id(text) OWNER TO tenant_mcp_directory;
ALTER FUNCTION public.directory_key_tenant_id(text) OWNER TO tenant_mcp_directory;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_directory, tenant_mcp_key_touch;
-- Only after the hand-over: the old owner's own EXECUTE passes to the new owner with it, so a grant to
-- tenant_mcp_owner made before would vanish.
GRANT EXECUTE ON FUNCTION public.directory_tenants(), public.directory_tenant_id(text), public.directory_key_tenant_id(text)
  TO tenant_mcp_owner;
