import type { Credential, Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { auditTenantsKey } from "../redis/keys.ts";
import { QUEUE_TTL_SECONDS } from "./flush.ts";
import {
  appendBatch,
  appendRowsLua,
  flushFilledBatches,
  holdRow,
  isHeld,
  MAX_ROWS_PER_COMMAND,
  oldestHeldTenant,
  takeRows,
} from "./pending.ts";
import type { QueuedAuditRow } from "./queued-row.ts";
import type { AuditSink, ToolCallAudit } from "./types.ts";

/** What the audit sink takes from the request context. */
export type AuditContext = Pick<
  RequestContext,
  "sql" | "shards" | "config" | "requestId" | "waitUntil" | "log" | "fields"
>;

/**
 * The audit sink of one request of one principal (sql/007_audit_call_outcomes.sql says what each status means). Who
 * called is the principal's credential (the `key_id` column holds an API key's id) and `sessionId` the session
 * the call ran in (`null`: none, as on the stateless lane). The rows go to the principal's tenant.
 *
 * A row costs the request no Postgres work and, under load, no Upstash command of its own: it is held in the isolate
 * (src/audit/pending.ts) and rides in the script of the next warm admission (src/admission/warm-read.ts), which goes
 * out anyway. When no such request comes within `auditLingerMs`, this request writes every held row in one command
 * (under `waitUntil`, so the response never waits and the isolate stays until it is written). From the Redis queue
 * the flush (src/audit/flush.ts) moves rows to Postgres in batches: one Neon request per batch instead of one per call.
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
    holdRow(row);
    rc.waitUntil(writeHeldRows(rc, rc.config.auditLingerMs, row));
  };
}

/** Appends rows to their tenants' lists: KEYS[1] the set of tenants with rows, then one list per tenant. */
const APPEND_ROWS = `${appendRowsLua(1, 2, 1, 2)}return lengths\n`;

/**
 * After `lingerMs`, when `row` (absent: any) is still held, writes every held row in one command per
 * {@link MAX_ROWS_PER_COMMAND}, and flushes a tenant's batch when one filled. A row some admission carried meanwhile
 * ends it with nothing written: under load rows ride in those commands, and only a row that waited the whole linger
 * costs a command (with every row held then). Never throws: a row that could not be written is logged with its
 * content, so the call can still be accounted for.
 */
export async function writeHeldRows(
  rc: Omit<AuditContext, "fields">,
  lingerMs: number,
  row?: QueuedAuditRow,
): Promise<void> {
  if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
  if (row && !isHeld(row)) return;
  // One command per shard (and per MAX_ROWS_PER_COMMAND): a tenant's rows go to its own shard's queue. A shard that
  // failed is not tried again by this call: its other rows stay held for the next command that goes there.
  const failed = new Set<number>();
  const next = (): string | undefined => oldestHeldTenant((t) => !failed.has(rc.shards.tenantShard(t)));
  for (let oldest = next(); oldest !== undefined; oldest = next()) {
    const shard = rc.shards.tenantShard(oldest);
    const rows = takeRows(MAX_ROWS_PER_COMMAND, (t) => rc.shards.tenantShard(t) === shard);
    const batch = appendBatch(rows);
    let lengths: unknown[];
    try {
      lengths = await rc.shards
        .at(shard)
        .eval<string[], unknown[]>(
          APPEND_ROWS,
          [auditTenantsKey(), ...batch.keys],
          [String(QUEUE_TTL_SECONDS), ...batch.args],
        );
    } catch (err) {
      for (const lost of rows)
        rc.log.error("audit row append failed", { error: err instanceof Error ? err : String(err), audit: lost });
      failed.add(shard);
      continue;
    }
    flushFilledBatches(rc, batch, lengths);
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
