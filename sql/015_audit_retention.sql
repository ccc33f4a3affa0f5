-- Retention of the audit log by plan (issue 15): rows older than the tenant's plan keeps them are deleted in batches by
-- the Worker's Cron Trigger. free 30 days, pro 90, enterprise 365 (audit_retention_days, the one place that says so).
--
-- The Worker may still only append to the log (005): the deletion is one SECURITY DEFINER function owned by a NOLOGIN
-- role whose policies let it see and delete only rows older than 30 days, the shortest retention of any plan. So even
-- a compromised Worker, calling the function as often as it likes, cannot delete a row younger than that.

DO $$
BEGIN
  BEGIN
    CREATE ROLE tenant_mcp_audit_pruner NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- exists, or a concurrent runner just made it
  END;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
              WHERE r.rolname = 'tenant_mcp_audit_pruner' AND (r.rolsuper OR r.rolbypassrls OR r.rolcanlogin)) THEN
    RAISE EXCEPTION 'role tenant_mcp_audit_pruner must be NOLOGIN NOSUPERUSER NOBYPASSRLS';
  END IF;
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    EXECUTE 'GRANT tenant_mcp_audit_pruner TO ' || pg_catalog.quote_ident(current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenant_mcp_audit_pruner;

SET LOCAL ROLE tenant_mcp_owner;

-- Days a plan keeps its tenants' audit rows. Never below 30: the pruner's policies below refuse younger rows anyway.
CREATE FUNCTION public.audit_retention_days(p_plan text) RETURNS integer
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE p_plan WHEN 'enterprise' THEN 365 WHEN 'pro' THEN 90 ELSE 30 END
$$;
GRANT EXECUTE ON FUNCTION public.audit_retention_days(text) TO tenant_mcp_audit_pruner;

GRANT SELECT (id, plan) ON public.tenants TO tenant_mcp_audit_pruner;
CREATE POLICY audit_pruner_read ON public.tenants FOR SELECT TO tenant_mcp_audit_pruner USING (true);

GRANT SELECT (tenant_id, id, called_at), DELETE ON public.audit_log TO tenant_mcp_audit_pruner;
CREATE POLICY audit_pruner_read ON public.audit_log FOR SELECT TO tenant_mcp_audit_pruner
  USING (called_at < pg_catalog.now() - interval '30 days');
CREATE POLICY audit_pruner_delete ON public.audit_log FOR DELETE TO tenant_mcp_audit_pruner
  USING (called_at < pg_catalog.now() - interval '30 days');

-- Deletes at most p_limit (1 to 10000) rows past their tenant's retention, oldest tenants' rows first in no promised
-- order; returns how many. The Worker calls it until it returns less than it asked for.
CREATE FUNCTION public.purge_expired_audit_rows(p_limit integer) RETURNS integer
LANGUAGE sql
VOLATILE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH doomed AS (
    SELECT e.tenant_id, e.id
      FROM public.tenants AS t
      CROSS JOIN LATERAL (
        SELECT a.tenant_id, a.id
          FROM public.audit_log AS a
         WHERE a.tenant_id = t.id
           AND a.called_at < pg_catalog.now() - pg_catalog.make_interval(days => public.audit_retention_days(t.plan))
         LIMIT LEAST(GREATEST(p_limit, 1), 10000)
      ) AS e
     LIMIT LEAST(GREATEST(p_limit, 1), 10000)
  ), gone AS (
    DELETE FROM public.audit_log AS a
     USING doomed AS d
     WHERE a.tenant_id = d.tenant_id AND a.id = d.id
    RETURNING 1
  )
  SELECT pg_catalog.count(*)::integer FROM gone
$$;

REVOKE EXECUTE ON FUNCTION public.purge_expired_audit_rows(integer) FROM PUBLIC;

RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_audit_pruner;
ALTER FUNCTION public.purge_expired_audit_rows(integer) OWNER TO tenant_mcp_audit_pruner;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_audit_pruner;
GRANT EXECUTE ON FUNCTION public.purge_expired_audit_rows(integer) TO tenant_mcp_app;
