-- OAuth (the Worker's embedded authorization server, src/oauth/): audit rows that say which kind of credential made a
-- call and, for OAuth, which person. (The sign-in page finds a tenant by slug through lookup_tenant_login, 010.)

-- Audit rows -------------------------------------------------------------------------------------------------------
-- credential_kind: 'api_key' (key_id is the key's id) or 'oauth_grant' (key_id is the grant's id). Rows written before
-- this migration were all API-key calls, hence the default. subject: the person an OAuth grant was issued to
-- (`key:<key id>` for a sign-in with an API key, an identity provider's subject otherwise); NULL for API keys.
-- No new grant: the Worker's INSERT on the table covers new columns.
SET LOCAL ROLE tenant_mcp_owner;

ALTER TABLE public.audit_log ADD COLUMN credential_kind text NOT NULL DEFAULT 'api_key'
  CHECK (credential_kind IN ('api_key', 'oauth_grant'));
ALTER TABLE public.audit_log ADD COLUMN subject text CHECK (length(subject) <= 256);

RESET ROLE;
