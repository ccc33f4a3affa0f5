-- The tenant tables, in the schema the migration runner names first on search_path: a tenant's own schema (schema
-- tier), or public in a tenant's own database (database tier). Names are unqualified on purpose: one file makes the
-- tables wherever a tenant's data lives, and the Worker's queries find them the same way (enter_tenant sets
-- search_path). Numbered files in sql/data/ reach every location that holds tenant tables (`npm run migrate`).
--
-- The main database's public schema got these tables from the numbered migrations 003, 004 and 006, in exactly this
-- shape; the runner records this file as applied there without running it, and later files run there too.
--
-- Differences from public's tables: no foreign key to tenants (a tenant's own database has no tenants table; the
-- admin CLI drops a tenant's schema or database when it deletes the tenant).

SET LOCAL ROLE tenant_mcp_owner;

CREATE TABLE workspaces (
  tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when archived: hidden from list_workspaces by default, and no new documents. Null while in use.
  archived_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT workspaces_name_check CHECK (
    char_length(name) BETWEEN 1 AND 100
    AND name = btrim(name)
    AND name !~ '[\u0001-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]'
  )
);

CREATE UNIQUE INDEX workspaces_tenant_name_key ON workspaces (tenant_id, lower(name));

CREATE TABLE documents (
  tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A') ||
    setweight(to_tsvector('english'::regconfig, body), 'B')
  ) STORED,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, workspace_id) REFERENCES workspaces (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX documents_search_idx ON documents USING gin (search);
CREATE INDEX documents_workspace_created_idx ON documents (tenant_id, workspace_id, created_at DESC, id);
CREATE INDEX documents_tenant_updated_idx ON documents (tenant_id, updated_at DESC, id);
CREATE INDEX documents_tenant_created_idx ON documents (tenant_id, created_at);

CREATE TRIGGER documents_set_updated_at BEFORE UPDATE ON documents
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspaces FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents FOR ALL
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The same grants as public's tables (003, 006): no TRUNCATE, REFERENCES or TRIGGER, and UPDATE only of the columns
-- a client may change.
GRANT SELECT, INSERT, DELETE ON workspaces, documents TO tenant_mcp_app;
GRANT UPDATE (name, archived_at) ON workspaces TO tenant_mcp_app;
GRANT UPDATE (workspace_id, title, body, updated_at) ON documents TO tenant_mcp_app;
