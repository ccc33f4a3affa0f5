-- The Cron Trigger's sweep of expired idempotency keys (issue 16; the table is sql/data/002, in every location of
-- tenant data). One SECURITY DEFINER function owned by a NOLOGIN role whose policies (set up by the data file) let it
-- see and delete only expired keys: the Worker can call it as often as it likes and never delete a live key.
--
-- It sweeps the locations in this database: public (the shared tier) and every tenant schema (the schema tier). A
-- tenant on a database of its own is swept by its own writes (claim_idempotency_key deletes a few expired keys each).

DO $$
BEGIN
  BEGIN
    CREATE ROLE tenant_mcp_idempotency_sweeper NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- exists, or a concurrent runner just made it
  END;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
              WHERE r.rolname = 'tenant_mcp_idempotency_sweeper' AND (r.rolsuper OR r.rolbypassrls OR r.rolcanlogin)) THEN
    RAISE EXCEPTION 'role tenant_mcp_idempotency_sweeper must be NOLOGIN NOSUPERUSER NOBYPASSRLS';
  END IF;
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    EXECUTE 'GRANT tenant_mcp_idempotency_sweeper TO ' || pg_catalog.quote_ident(current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenant_mcp_idempotency_sweeper;

SET LOCAL ROLE tenant_mcp_owner;

-- Deletes at most p_limit (1 to 10000) expired keys, location after location; returns how many. The Worker calls it
-- until it returns less than it asked for.
CREATE FUNCTION public.sweep_idempotency_keys(p_limit integer) RETURNS integer
LANGUAGE plpgsql
VOLATILE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_left integer := LEAST(GREATEST(p_limit, 1), 10000);
  v_schema text;
  v_n integer;
BEGIN
  FOR v_schema IN
    SELECT n.nspname::text FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
     WHERE c.relname = 'idempotency_keys' AND c.relkind = 'r'
       AND (n.nspname = 'public' OR n.nspname ~ '^tenant_[0-9a-f]{32}$')
       AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
       AND pg_catalog.has_table_privilege(c.oid, 'DELETE')
     ORDER BY n.nspname
  LOOP
    EXIT WHEN v_left <= 0;
    EXECUTE pg_catalog.format(
      'WITH gone AS (DELETE FROM %1$I.idempotency_keys AS k
                      WHERE (k.tenant_id, k.credential, k.key) IN (
                              SELECT e.tenant_id, e.credential, e.key FROM %1$I.idempotency_keys AS e
                               WHERE e.expires_at < pg_catalog.now() LIMIT $1)
                     RETURNING 1)
       SELECT pg_catalog.count(*)::integer FROM gone', v_schema)
      INTO v_n USING v_left;
    v_left := v_left - v_n;
  END LOOP;
  RETURN LEAST(GREATEST(p_limit, 1), 10000) - v_left;
END
$$;

REVOKE EXECUTE ON FUNCTION public.sweep_idempotency_keys(integer) FROM PUBLIC;

RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_idempotency_sweeper;
ALTER FUNCTION public.sweep_idempotency_keys(integer) OWNER TO tenant_mcp_idempotency_sweeper;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_idempotency_sweeper;
GRANT EXECUTE ON FUNCTION public.sweep_idempotency_keys(integer) TO tenant_mcp_app;
