-- Audit rows leave the request path (issue 15): each tool call appends its row to a Redis list after the response,
-- and a flush (the Worker's Cron Trigger, or opportunistically after a request) moves rows to this table in batches,
-- one statement per batch, through the function below.
--
-- Exactly once: every row gets its id (the table's primary key with its tenant) when the request appends it, so
-- inserting a batch again (a flush killed after its insert committed, two flushes racing for the same rows) inserts
-- nothing twice (ON CONFLICT DO NOTHING). The request id travels in the row as before.
--
-- A batch holds rows of many tenants, so it cannot run under one app.tenant_id. The function runs as a NOLOGIN role
-- (tenant_mcp_audit_writer) that may only append audit rows for any tenant and move api_keys.last_used_at forward:
-- nothing it can do reads, changes or deletes history, so the Worker still cannot rewrite the log. The Worker could
-- already write audit rows for any tenant it names in app.tenant_id; this grants nothing beyond that.

DO $$
BEGIN
  BEGIN
    CREATE ROLE tenant_mcp_audit_writer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- exists, or a concurrent runner just made it
  END;
END
$$;

-- As in 001 and 005: a role that already existed keeps its attributes, so check them instead of trusting them.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
              WHERE r.rolname = 'tenant_mcp_audit_writer' AND (r.rolsuper OR r.rolbypassrls OR r.rolcanlogin)) THEN
    RAISE EXCEPTION 'role tenant_mcp_audit_writer must be NOLOGIN NOSUPERUSER NOBYPASSRLS';
  END IF;
  -- A non-superuser admin (Neon's project owner) needs membership to hand the function over with ALTER ... OWNER TO.
  IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    EXECUTE 'GRANT tenant_mcp_audit_writer TO ' || pg_catalog.quote_ident(current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenant_mcp_audit_writer;

SET LOCAL ROLE tenant_mcp_owner;

-- Rows of a tenant deleted while they waited are dropped (its log went with it), not retried forever.
GRANT SELECT (id) ON public.tenants TO tenant_mcp_audit_writer;
CREATE POLICY audit_writer_read ON public.tenants FOR SELECT TO tenant_mcp_audit_writer USING (true);

GRANT INSERT ON public.audit_log TO tenant_mcp_audit_writer;
CREATE POLICY audit_writer_append ON public.audit_log FOR INSERT TO tenant_mcp_audit_writer WITH CHECK (true);

-- last_used_at moves with the flush (it moved with the per-call insert before): forward only, to the batch's latest
-- call of the key.
GRANT SELECT (id, tenant_id, last_used_at), UPDATE (last_used_at) ON public.api_keys TO tenant_mcp_audit_writer;
CREATE POLICY audit_writer_read ON public.api_keys FOR SELECT TO tenant_mcp_audit_writer USING (true);
CREATE POLICY audit_writer_touch ON public.api_keys FOR UPDATE TO tenant_mcp_audit_writer USING (true) WITH CHECK (true);

-- p_rows: a JSON array of rows, each with the audit_log columns by name (tenant_id and id included). Returns how many
-- rows were new, and the tenant ids of rows it skipped because no such tenant exists here: the flush leaves those rows
-- queued (a deleted tenant's queue is purged with it and its leftovers expire; a row is never dropped for a tenant that
-- may yet exist). One INSERT ... SELECT for the whole batch.
CREATE FUNCTION public.append_audit_rows(p_rows jsonb, OUT added integer, OUT unknown_tenants uuid[])
LANGUAGE plpgsql
VOLATILE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- No RETURNING: it would need read access to the log, which this role must not have.
  INSERT INTO public.audit_log (tenant_id, id, called_at, request_id, key_id, session_id, tool, status, call_id,
                                duration_ms, credential_kind, subject)
  SELECT r.tenant_id, r.id, r.called_at, r.request_id, r.key_id, r.session_id, r.tool, r.status, r.call_id,
         r.duration_ms, r.credential_kind, r.subject
    FROM pg_catalog.jsonb_to_recordset(p_rows) AS r (
           tenant_id uuid, id uuid, called_at timestamptz, request_id text, key_id text, session_id text, tool text,
           status text, call_id uuid, duration_ms integer, credential_kind text, subject text)
   WHERE EXISTS (SELECT 1 FROM public.tenants AS t WHERE t.id = r.tenant_id)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS added = ROW_COUNT;

  UPDATE public.api_keys AS k
     SET last_used_at = u.last
    FROM (SELECT r.tenant_id, r.key_id, pg_catalog.max(r.called_at) AS last
            FROM pg_catalog.jsonb_to_recordset(p_rows) AS r (tenant_id uuid, key_id text, called_at timestamptz,
                                                             credential_kind text)
           WHERE r.credential_kind = 'api_key'
           GROUP BY r.tenant_id, r.key_id) AS u
   WHERE k.tenant_id = u.tenant_id AND k.id = u.key_id
     AND (k.last_used_at IS NULL OR k.last_used_at < u.last);

  SELECT pg_catalog.array_agg(DISTINCT r.tenant_id) INTO unknown_tenants
    FROM pg_catalog.jsonb_to_recordset(p_rows) AS r (tenant_id uuid)
   WHERE NOT EXISTS (SELECT 1 FROM public.tenants AS t WHERE t.id = r.tenant_id);
END
$$;

REVOKE EXECUTE ON FUNCTION public.append_audit_rows(jsonb) FROM PUBLIC;

-- Hand the function to its definer role (see 002 for why CREATE is granted for this statement only).
RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_audit_writer;
ALTER FUNCTION public.append_audit_rows(jsonb) OWNER TO tenant_mcp_audit_writer;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_audit_writer;
-- Only after the hand-over (see 005): the Worker flushes, nothing else calls it.
GRANT EXECUTE ON FUNCTION public.append_audit_rows(jsonb) TO tenant_mcp_app;
