-- Scopes of API keys (src/auth/scopes.ts): what a key may do within its tenant's plan. mcp:read lists, reads and
-- calls read-only tools; mcp:write also calls tools that change data (and implies mcp:read). Every key made before
-- this migration could do both, so both is the default, and existing keys keep working exactly as before.
--
-- The Worker learns a key's scopes from lookup_api_key, which must return the new column: a function's result type
-- cannot be changed in place, so it is dropped and made again exactly as 002 made it (definer, grants, owner), with
-- scopes as its last column. All in this migration's transaction: no request sees it missing. A Worker of the
-- previous release selects * and ignores the extra column.

SET LOCAL ROLE tenant_mcp_owner;

ALTER TABLE public.api_keys
  ADD COLUMN scopes text[] NOT NULL DEFAULT '{mcp:read,mcp:write}'
    CONSTRAINT api_keys_scopes_check CHECK (
      cardinality(scopes) >= 1
      AND scopes <@ '{mcp:read,mcp:write}'::text[]
      AND array_position(scopes, NULL) IS NULL
    );

RESET ROLE;
DROP FUNCTION public.lookup_api_key(text);
SET LOCAL ROLE tenant_mcp_owner;

CREATE FUNCTION public.lookup_api_key(p_key_id text)
RETURNS TABLE (
  key_id text,
  tenant_id uuid,
  secret_hash text,
  expires_at timestamptz,
  revoked_at timestamptz,
  slug text,
  name text,
  plan text,
  features_add text[],
  features_remove text[],
  rate_limit_per_minute integer,
  status text,
  config jsonb,
  scopes text[]
)
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT k.id, k.tenant_id, k.secret_hash, k.expires_at, k.revoked_at,
         t.slug, t.name, t.plan, t.features_add, t.features_remove, t.rate_limit_per_minute, t.status, t.config,
         k.scopes
    FROM public.api_keys AS k
    JOIN public.tenants AS t ON t.id = k.tenant_id
   WHERE k.id = p_key_id
$$;

COMMENT ON FUNCTION public.lookup_api_key(text) IS
  'The API key with this id, its scopes and its tenant, or no row. Expiry, revocation and tenant status are returned, '
  'not filtered, so the caller can log why a key failed (and answer every failure the same way).';

REVOKE EXECUTE ON FUNCTION public.lookup_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.lookup_api_key(text) TO tenant_mcp_app;

-- Hand the function to its definer role, as 002 does.
RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_key_lookup;
ALTER FUNCTION public.lookup_api_key(text) OWNER TO tenant_mcp_key_lookup;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_key_lookup;
