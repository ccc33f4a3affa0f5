-- Roles and what they may do in schema public.
--
-- Runs as the admin connection: a superuser locally, the project owner on Neon (CREATEROLE, not a superuser).
-- Roles are cluster-wide, so everything here must hold when they already exist: the dev and test databases share
-- one server, and two runners on two databases can race (the runner's advisory lock is per database).
-- No passwords here: locally the server trusts 127.0.0.1; on Neon set them out of band (neonctl, ALTER ROLE).
--
--   tenant_mcp_owner       owns every table and runs the DDL (via SET LOCAL ROLE). FORCE ROW LEVEL SECURITY makes
--                          policies apply to it too, so an owner connection cannot read across tenants by accident.
--   tenant_mcp_app         the Worker's login. Owns nothing; gets only the grants in later files; no BYPASSRLS.
--   tenant_mcp_key_lookup  cannot log in; owns only public.lookup_api_key (see 002) and may only SELECT the two
--                          tables that function reads.

DO $$
BEGIN
  BEGIN
    CREATE ROLE tenant_mcp_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- exists, or a concurrent runner just made it
  END;
  BEGIN
    CREATE ROLE tenant_mcp_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE tenant_mcp_key_lookup NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
END
$$;

-- A role that already existed keeps its attributes, and only a superuser may change SUPERUSER/BYPASSRLS. So check
-- instead of ALTER: a role that would silently ignore row-level security must stop the migration.
DO $$
DECLARE
  bad text;
BEGIN
  SELECT pg_catalog.string_agg(r.rolname, ', ') INTO bad
    FROM pg_catalog.pg_roles r
   WHERE r.rolname IN ('tenant_mcp_owner', 'tenant_mcp_app', 'tenant_mcp_key_lookup')
     AND (r.rolsuper OR r.rolbypassrls);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'role(s) % are SUPERUSER or BYPASSRLS; row-level security would not apply to them', bad
      USING HINT = 'a superuser must run ALTER ROLE ... NOSUPERUSER NOBYPASSRLS';
  END IF;

  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
              WHERE r.rolname = 'tenant_mcp_app' AND (r.rolcreatedb OR r.rolcreaterole OR r.rolreplication)) THEN
    RAISE EXCEPTION 'role tenant_mcp_app must be NOCREATEDB NOCREATEROLE NOREPLICATION';
  END IF;

  -- Membership would hand the Worker another role's privileges (and, through policies granted TO that role, its rows).
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
              WHERE m.member = 'tenant_mcp_app'::regrole) THEN
    RAISE EXCEPTION 'role tenant_mcp_app must not be a member of any role';
  END IF;

  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = 'tenant_mcp_key_lookup' AND r.rolcanlogin) THEN
    RAISE EXCEPTION 'role tenant_mcp_key_lookup must be NOLOGIN';
  END IF;
END
$$;

-- A non-superuser admin (Neon's project owner) must be a member of these roles to SET ROLE to them and to hand
-- objects over with ALTER ... OWNER TO. A superuser needs no membership.
DO $$
BEGIN
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    EXECUTE pg_catalog.format('GRANT tenant_mcp_owner, tenant_mcp_key_lookup TO %I', current_user);
  END IF;
END
$$;

-- PostgreSQL 15 already revokes CREATE on public from PUBLIC; say it anyway, for databases upgraded from older versions.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO tenant_mcp_owner;
GRANT USAGE ON SCHEMA public TO tenant_mcp_app, tenant_mcp_key_lookup;

-- Functions are executable by PUBLIC by default. New ones made by the owner start with no EXECUTE for anybody, so
-- each one is granted on purpose.
ALTER DEFAULT PRIVILEGES FOR ROLE tenant_mcp_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
