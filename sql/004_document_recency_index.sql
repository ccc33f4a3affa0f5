-- resources/list and the summarize_workspace prompt read a tenant's most recently updated documents; without this
-- index each call sorts all of the tenant's documents. workspace_stats groups by day of created_at per tenant.

SET LOCAL ROLE tenant_mcp_owner;

CREATE INDEX documents_tenant_updated_idx ON public.documents (tenant_id, updated_at DESC, id);
CREATE INDEX documents_tenant_created_idx ON public.documents (tenant_id, created_at);
