-- Operator credentials and the operator audit log (issue 18): who may use the operator API, and what they did.
--
-- Both tables belong to the owner role and nobody else may touch them. The Worker's role (tenant_mcp_app) gets no
-- privilege at all: the operator API reaches them through OPERATOR_DATABASE_URL, the owner's login (the same login the
-- admin CLI uses), so a tenant request that somehow ran SQL as the Worker's role could neither read an operator token
-- hash nor forge or erase an audit row. They hold no tenant data, so they are not under row-level security.

SET LOCAL ROLE tenant_mcp_owner;

-- A token is presented as tmop_<id>_<secret>; as for API keys (002), only HMAC-SHA-256(pepper, secret) is stored.
CREATE TABLE public.operator_tokens (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{8,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- One row per operator action: an API call or an admin CLI command that changes something (also when it was refused
-- or failed). Tenants are named by slug and id as they were, with no foreign key: a row outlives the
-- tenant it is about (a deletion is exactly what one wants to look up later).
CREATE TABLE public.operator_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  -- The token used; null for the CLI, which has no token (it holds the owner's login).
  operator_id text,
  -- The token's name, or `cli:<user>` for the CLI.
  operator_name text NOT NULL,
  operator_role text,
  action text NOT NULL,
  tenant_slug text,
  tenant_id uuid,
  -- What else the action named: a key id, a grant id, an operator token id.
  target text,
  request_id text,
  -- The HTTP status the action answered with (the CLI: 200, or the status its failure would have had).
  status integer NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object')
);

CREATE INDEX operator_audit_tenant ON public.operator_audit (tenant_slug, id);

REVOKE ALL ON public.operator_tokens, public.operator_audit FROM PUBLIC;
