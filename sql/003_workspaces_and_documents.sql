-- Tenant data: workspaces and their documents, with full-text search.
--
-- Keys and foreign keys lead with tenant_id, so a key collision or a dangling reference can only ever involve the
-- caller's own tenant, and every hot index starts with the column every policy filters on.

SET LOCAL ROLE tenant_mcp_owner;

CREATE TABLE public.workspaces (
  tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid
    REFERENCES public.tenants (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE public.documents (
  tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Title matches rank above body matches (ts_rank weights A > B). The two-argument to_tsvector is immutable,
  -- which a generated column requires.
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, body), 'B')
  ) STORED,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, workspace_id) REFERENCES public.workspaces (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX documents_search_idx ON public.documents USING gin (search);
-- Listing a workspace newest first with keyset pagination on (created_at, id); also serves the foreign key.
CREATE INDEX documents_workspace_created_idx ON public.documents (tenant_id, workspace_id, created_at DESC, id);

CREATE TRIGGER documents_set_updated_at BEFORE UPDATE ON public.documents
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.workspaces FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE public.documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.documents FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- No TRUNCATE, REFERENCES or TRIGGER, and UPDATE only of the columns a client may change: tenant_id and id stay put
-- even within the caller's own tenant.
GRANT SELECT, INSERT, DELETE ON public.workspaces, public.documents TO tenant_mcp_app;
GRANT UPDATE (name) ON public.workspaces TO tenant_mcp_app;
GRANT UPDATE (workspace_id, title, body, updated_at) ON public.documents TO tenant_mcp_app;
