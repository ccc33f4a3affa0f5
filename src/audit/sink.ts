import type { Credential, Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { forTenant } from "../db/for-tenant.ts";
import type { AuditSink, ToolCallAudit } from "./types.ts";

// tenant_id comes from app.tenant_id (the column default), and the policy's WITH CHECK holds the row to it.
const INSERT = `insert into public.audit_log (called_at, request_id, key_id, session_id, tool, status, call_id, duration_ms,
                                              credential_kind, subject)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
// In the same transaction, so keeping last_used_at costs no round trip; the function writes at most once a minute.
const TOUCH_KEY = "select public.touch_api_key($1)";

/** What the audit sink takes from the request context. */
export type AuditContext = Pick<RequestContext, "sql" | "requestId" | "waitUntil" | "log">;

/**
 * The audit sink of one request of one principal (sql/007_audit_call_outcomes.sql says what each status means). Who
 * called is the principal's credential (the `key_id` column holds an API key's id) and `sessionId` the session
 * the call ran in (`null`: none, as on the stateless lane). The rows go to the principal's tenant. Each call is one
 * Neon HTTP transaction scoped to that tenant, started under `waitUntil`, so the response never waits for it.
 */
export function createAuditSink(rc: AuditContext, principal: Principal, sessionId: string | null): AuditSink {
  const tenantId = principal.tenant.id;
  const keyId = auditKeyId(principal.credential);
  return (call: ToolCallAudit): void => {
    const row = {
      tool: call.tool.slice(0, 128),
      status: call.outcome,
      call_id: call.callId ?? null,
      duration_ms: Math.max(0, Math.round(call.durationMs)),
      key_id: keyId,
      session_id: sessionId,
      credential_kind: principal.credential.kind,
      subject: principal.subject?.slice(0, 256) ?? null,
    };
    const write = async (): Promise<void> => {
      await forTenant(rc, tenantId).batch([
        {
          text: INSERT,
          params: [
            new Date(call.startedAt).toISOString(),
            rc.requestId,
            keyId,
            row.session_id,
            row.tool,
            row.status,
            row.call_id,
            row.duration_ms,
            row.credential_kind,
            row.subject,
          ],
        },
        { text: TOUCH_KEY, params: [keyId] },
      ]);
    };
    // The log line carries the row, so a call whose row was lost can still be accounted for.
    rc.waitUntil(write().catch((err: unknown) => rc.log.error("audit log write failed", { error: err, audit: row })));
  };
}

/** The `key_id` column of a credential's rows: an API key's id, whose last use `touch_api_key` keeps. */
function auditKeyId(credential: Credential): string {
  switch (credential.kind) {
    case "api_key":
      return credential.id;
    case "oauth_grant":
      // No API key: the grant's id, which `touch_api_key` matches to no key and so leaves alone.
      return credential.id;
  }
}
