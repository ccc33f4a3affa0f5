-- Self-service usage (issue 15): a tenant reads its own tool calls of this month and of the last 30 days, through
-- GET /usage and the MCP resource tenant://usage. The Worker's role may only append to the audit log (005), so the
-- read is one SECURITY DEFINER function owned by a NOLOGIN role that may read the log and nothing else. The log's
-- tenant_isolation policy applies to that role as to anyone (it has no policy of its own, no BYPASSRLS, and does not
-- own the table): the function sees the rows of the tenant the caller set in app.tenant_id, and nothing when none is
-- set. It returns aggregates only, never a row.

DO $$
BEGIN
  BEGIN
    CREATE ROLE tenant_mcp_usage_reader NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- exists, or a concurrent runner just made it
  END;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
              WHERE r.rolname = 'tenant_mcp_usage_reader' AND (r.rolsuper OR r.rolbypassrls OR r.rolcanlogin)) THEN
    RAISE EXCEPTION 'role tenant_mcp_usage_reader must be NOLOGIN NOSUPERUSER NOBYPASSRLS';
  END IF;
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    EXECUTE 'GRANT tenant_mcp_usage_reader TO ' || pg_catalog.quote_ident(current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenant_mcp_usage_reader;

SET LOCAL ROLE tenant_mcp_owner;
GRANT SELECT (tenant_id, called_at, tool, status) ON public.audit_log TO tenant_mcp_usage_reader;

-- Calls as `usage` counts them (src/control/usage.ts): a round trip that asked the user (input_required) is not a
-- finished call; errors are tool errors (and 'error', their name before 007) and protocol errors. p_days_start: the
-- first day (UTC) of the daily series.
CREATE FUNCTION public.tenant_usage(p_month_start timestamptz, p_days_start timestamptz) RETURNS jsonb
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  WITH mine AS (
    SELECT a.called_at, a.tool, a.status IN ('tool_error', 'protocol_error', 'error') AS failed
      FROM public.audit_log AS a
     WHERE a.tenant_id = NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::uuid
       AND a.called_at >= LEAST(p_month_start, p_days_start)
       AND a.status <> 'input_required'
  )
  SELECT pg_catalog.jsonb_build_object(
    'calls', (SELECT pg_catalog.count(*) FROM mine WHERE called_at >= p_month_start),
    'errors', (SELECT pg_catalog.count(*) FILTER (WHERE failed) FROM mine WHERE called_at >= p_month_start),
    'tools', COALESCE((SELECT pg_catalog.jsonb_agg(t ORDER BY t.calls DESC, t.tool)
                         FROM (SELECT tool, pg_catalog.count(*) AS calls, pg_catalog.count(*) FILTER (WHERE failed) AS errors
                                 FROM mine WHERE called_at >= p_month_start GROUP BY tool) AS t), '[]'::jsonb),
    'days', COALESCE((SELECT pg_catalog.jsonb_agg(d ORDER BY d.date)
                        FROM (SELECT pg_catalog.to_char(called_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
                                     pg_catalog.count(*) AS calls, pg_catalog.count(*) FILTER (WHERE failed) AS errors
                                FROM mine WHERE called_at >= p_days_start GROUP BY 1) AS d), '[]'::jsonb)
  )
$$;

REVOKE EXECUTE ON FUNCTION public.tenant_usage(timestamptz, timestamptz) FROM PUBLIC;

RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_usage_reader;
ALTER FUNCTION public.tenant_usage(timestamptz, timestamptz) OWNER TO tenant_mcp_usage_reader;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_usage_reader;
GRANT EXECUTE ON FUNCTION public.tenant_usage(timestamptz, timestamptz) TO tenant_mcp_app;
