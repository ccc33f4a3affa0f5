-- OAuth (the Worker's embedded authorization server, src/oauth/): what the sign-in page needs to find a tenant by the
-- slug a person typed, and audit rows that say which kind of credential made a call and, for OAuth, which person.

-- Audit rows -------------------------------------------------------------------------------------------------------
-- credential_kind: 'api_key' (key_id is the key's id) or 'oauth_grant' (key_id is the grant's id). Rows written before
-- this migration were all API-key calls, hence the default. subject: the person an OAuth grant was issued to
-- (`key:<key id>` for a sign-in with an API key, an identity provider's subject otherwise); NULL for API keys.
-- No new grant: the Worker's INSERT on the table covers new columns.
SET LOCAL ROLE tenant_mcp_owner;

ALTER TABLE public.audit_log ADD COLUMN credential_kind text NOT NULL DEFAULT 'api_key'
  CHECK (credential_kind IN ('api_key', 'oauth_grant'));
ALTER TABLE public.audit_log ADD COLUMN subject text CHECK (length(subject) <= 256);

-- Sign-in page: tenant by slug ---------------------------------------------------------------------------------------
-- On the shared host the tenant is a slug typed on /authorize, before anyone is signed in, so the Worker cannot set
-- app.tenant_id first. This function returns only the id and status of the tenant with that slug, as the key-lookup
-- role (which already reads tenants across tenants for lookup_api_key, 002), never to the public.
CREATE FUNCTION public.lookup_tenant_login(p_slug text)
RETURNS TABLE (id uuid, slug text, status text)
LANGUAGE sql
STABLE
STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.id, t.slug, t.status FROM public.tenants AS t WHERE t.slug = p_slug
$$;

REVOKE EXECUTE ON FUNCTION public.lookup_tenant_login(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.lookup_tenant_login(text) TO tenant_mcp_app;

RESET ROLE;
GRANT CREATE ON SCHEMA public TO tenant_mcp_key_lookup;
ALTER FUNCTION public.lookup_tenant_login(text) OWNER TO tenant_mcp_key_lookup;
REVOKE CREATE ON SCHEMA public FROM tenant_mcp_key_lookup;
