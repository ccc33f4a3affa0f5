-- Workspaces managed by tenants themselves (create_workspace, update_workspace) and by the admin CLI: names with
-- limits the database enforces too, unique per tenant regardless of case, and archiving.
--
-- Names written before this migration had no rules. They are brought within the rules first (as the migration's
-- login, which sees every tenant's rows), so the constraints below hold for every row, not only new ones.

-- Control characters (C0, DEL, C1), line/paragraph separators and bidirectional overrides/isolates: they make a
-- name render differently from what it holds. The same set as the tools' check (src/tools/core/workspaces.ts).
UPDATE public.workspaces
   SET name = regexp_replace(name, '[\u0001-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]', ' ', 'g')
 WHERE name ~ '[\u0001-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]';
UPDATE public.workspaces SET name = btrim(left(btrim(name), 100)) WHERE name <> btrim(left(btrim(name), 100));
UPDATE public.workspaces SET name = 'Workspace' WHERE name = '';
-- Duplicates within a tenant (ignoring case): every one but the oldest gets a suffix from its id, which cannot collide.
UPDATE public.workspaces AS w
   SET name = btrim(left(w.name, 89)) || ' (' || left(w.id::text, 8) || ')'
  FROM (SELECT tenant_id, id,
               row_number() OVER (PARTITION BY tenant_id, lower(name) ORDER BY created_at, id) AS n
          FROM public.workspaces) AS d
 WHERE d.tenant_id = w.tenant_id AND d.id = w.id AND d.n > 1;

SET LOCAL ROLE tenant_mcp_owner;

ALTER TABLE public.workspaces
  -- Set when archived: hidden from list_workspaces by default, and no new documents. Null while in use.
  ADD COLUMN archived_at timestamptz,
  ADD CONSTRAINT workspaces_name_check CHECK (
    char_length(name) BETWEEN 1 AND 100
    AND name = btrim(name)
    AND name !~ '[\u0001-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]'
  );

-- Leads with tenant_id like every key here: a collision can only ever be with the caller's own workspaces. Also
-- serves the workspace count that caps how many a tenant may create.
CREATE UNIQUE INDEX workspaces_tenant_name_key ON public.workspaces (tenant_id, lower(name));

GRANT UPDATE (archived_at) ON public.workspaces TO tenant_mcp_app;
