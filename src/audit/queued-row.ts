import { isUuid } from "../db/tenant-db.ts";
import type { CallOutcome } from "./types.ts";

/**
 * One audit row as it waits in Redis ({@link auditQueueKey}) for the flush: the `audit_log` columns by name. `id` is
 * minted when the request appends the row and is the row's primary key (with `tenant_id`), which is what makes a
 * repeated flush insert it once. `id` is the first key, so the serialized row begins with `{"id":"<id>"`: the flush's
 * trim script recognises a row by that prefix (src/audit/scripts.ts).
 */
export interface QueuedAuditRow {
  id: string;
  tenant_id: string;
  /** ISO 8601. */
  called_at: string;
  request_id: string;
  key_id: string;
  session_id: string | null;
  tool: string;
  status: CallOutcome;
  call_id: string | null;
  duration_ms: number;
  credential_kind: "api_key" | "oauth_grant";
  subject: string | null;
}

/** The serialized row as it is pushed: `id` first (see {@link QueuedAuditRow}). */
export function serializeRow(row: QueuedAuditRow): string {
  const { id, ...rest } = row;
  return JSON.stringify({ id, ...rest });
}

/** What a serialized row with this id begins with. */
export function rowPrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},`;
}

const STATUSES: ReadonlySet<string> = new Set(["ok", "tool_error", "protocol_error", "input_required"]);
const KINDS: ReadonlySet<string> = new Set(["api_key", "oauth_grant"]);

/**
 * `value` (a row as read back from Redis: the client parses JSON) when it is a row the audit table would take, else
 * `undefined`. The flush drops what fails here (logging it) rather than let one bad row fail every batch after it.
 * The checks mirror the table's constraints (sql/005, 007, 009).
 */
export function parseQueuedRow(value: unknown): QueuedAuditRow | undefined {
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const text = (v: unknown, max: number): v is string => typeof v === "string" && v.length > 0 && v.length <= max;
  const nullableText = (v: unknown, max: number): boolean => v === null || text(v, max);
  const ok =
    typeof r.id === "string" &&
    isUuid(r.id) &&
    typeof r.tenant_id === "string" &&
    isUuid(r.tenant_id) &&
    typeof r.called_at === "string" &&
    !Number.isNaN(Date.parse(r.called_at)) &&
    text(r.request_id, 64) &&
    text(r.key_id, 64) &&
    nullableText(r.session_id, 64) &&
    text(r.tool, 128) &&
    typeof r.status === "string" &&
    STATUSES.has(r.status) &&
    (r.call_id === null || (typeof r.call_id === "string" && isUuid(r.call_id))) &&
    typeof r.duration_ms === "number" &&
    Number.isInteger(r.duration_ms) &&
    r.duration_ms >= 0 &&
    r.duration_ms <= 2_147_483_647 &&
    typeof r.credential_kind === "string" &&
    KINDS.has(r.credential_kind) &&
    nullableText(r.subject, 256);
  return ok ? (r as unknown as QueuedAuditRow) : undefined;
}
