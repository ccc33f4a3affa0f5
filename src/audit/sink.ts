import type { Credential, Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { auditQueueKey, auditTenantsKey } from "../redis/keys.ts";
import { APPEND_ROW, flushTenants, QUEUE_TTL_SECONDS } from "./flush.ts";
import { serializeRow, type QueuedAuditRow } from "./queued-row.ts";
import type { AuditSink, ToolCallAudit } from "./types.ts";

/** What the audit sink takes from the request context. */
export type AuditContext = Pick<
  RequestContext,
  "sql" | "redis" | "config" | "requestId" | "waitUntil" | "log" | "fields"
>;

/**
 * The audit sink of one request of one principal (sql/007_audit_call_outcomes.sql says what each status means). Who
 * called is the principal's credential (the `key_id` column holds an API key's id) and `sessionId` the session
 * the call ran in (`null`: none, as on the stateless lane). The rows go to the principal's tenant.
 *
 * A row costs the request no Postgres work: under `waitUntil` (so the response never waits) it is appended to the
 * Redis queue, and the flush (src/audit/flush.ts) moves rows to Postgres in batches, from the Cron Trigger and from
 * the request whose append fills a batch (`auditFlushBatchSize`): one Neon request per batch instead of one per call.
 */
export function createAuditSink(rc: AuditContext, principal: Principal, sessionId: string | null): AuditSink {
  const tenantId = principal.tenant.id;
  const keyId = auditKeyId(principal.credential);
  return (call: ToolCallAudit): void => {
    const row: QueuedAuditRow = {
      id: crypto.randomUUID(),
      tenant_id: tenantId,
      called_at: new Date(call.startedAt).toISOString(),
      request_id: rc.requestId,
      key_id: keyId,
      session_id: sessionId,
      tool: call.tool.slice(0, 128),
      status: call.outcome,
      call_id: call.callId ?? null,
      duration_ms: Math.max(0, Math.round(call.durationMs)),
      credential_kind: principal.credential.kind,
      subject: principal.subject?.slice(0, 256) ?? null,
    };
    // The log line's `error.type`: what the client saw, when it was not a result.
    rc.fields.call_outcome = call.outcome;
    if (call.outcome === "tool_error" || call.outcome === "protocol_error") rc.fields.error_type = call.outcome;
    rc.waitUntil(appendRow(rc, row));
  };
}

/**
 * Appends one row to its tenant's list; when that made the list a whole number of batches long, this request also
 * flushes one batch of the tenant's rows, so a busy tenant's rows move as fast as it makes them and one request per
 * batch pays for it (quieter tenants' rows wait for the Cron Trigger, at most a minute). Never throws.
 */
async function appendRow(rc: AuditContext, row: QueuedAuditRow): Promise<void> {
  let length: number;
  try {
    length = await rc.redis.eval<string[], number>(
      APPEND_ROW,
      [auditQueueKey(row.tenant_id), auditTenantsKey()],
      [serializeRow(row), String(QUEUE_TTL_SECONDS), row.tenant_id],
    );
  } catch (err) {
    // The log line carries the row, so a call whose row was lost can still be accounted for.
    rc.log.error("audit row append failed", { error: err instanceof Error ? err : String(err), audit: row });
    return;
  }
  const size = rc.config.auditFlushBatchSize;
  if (length < size || length % size !== 0) return;
  try {
    await flushTenants(rc, [row.tenant_id], size);
  } catch (err) {
    // Nothing is lost: the rows stay queued for the next flush.
    rc.log.error("audit flush failed", { error: err instanceof Error ? err : String(err), backlog: length });
  }
}

/** The `key_id` column of a credential's rows: an API key's id, whose `last_used_at` the flush keeps. */
function auditKeyId(credential: Credential): string {
  switch (credential.kind) {
    case "api_key":
      return credential.id;
    case "oauth_grant":
      // No API key: the grant's id (the flush moves `last_used_at` of API keys only).
      return credential.id;
  }
}
