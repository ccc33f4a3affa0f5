import { csvField } from "../tools/export/csv.ts";
import { ControlError, field, invalid, says } from "./errors.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { listTenants } from "./tenants.ts";
import type { AdminDeps } from "./types.ts";

/** One line of the billing export: one tenant's calls of one tool by one credential (and person) in the month. */
interface ExportLine {
  tenant: string;
  tool: string;
  /** `api_key` or `oauth_grant`. */
  credentialKind: string;
  /** The API key's id, or the OAuth grant's. */
  credential: string;
  /** The OAuth sign-in's subject, or `key:<key id>` for an API key (as `usage --by user` names people). */
  user: string;
  /** Audit rows: every round trip recorded. The export's total of these is the audit table's count for the month. */
  rows: number;
  /** Finished calls: rows that are not a question to the user (`input_required`). */
  calls: number;
  /** Calls answered with `isError` or a JSON-RPC error. */
  errors: number;
  /** Calls that reached the tool: results, with or without `isError`. A protocol error (unknown tool, invalid params) is not billable. */
  billable: number;
}

/** What `usage export` produces. */
export interface UsageExport {
  /** `YYYY-MM`, a calendar month in UTC. */
  month: string;
  /** Sorted by tenant slug, tool, credential kind, credential and user (byte order), so the same input gives the same bytes. */
  lines: ExportLine[];
  total: Pick<ExportLine, "rows" | "calls" | "errors" | "billable">;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

// COLLATE "C": byte order, the same on every database whatever its locale, so the export is reproducible.
const GROUPS = `select tool, credential_kind, key_id as credential, coalesce(subject, 'key:' || key_id) as "user",
                       count(*)::int as rows,
                       count(*) filter (where status <> 'input_required')::int as calls,
                       count(*) filter (where status in ('tool_error', 'protocol_error', 'error'))::int as errors,
                       count(*) filter (where status in ('ok', 'tool_error', 'error'))::int as billable
                  from public.audit_log
                 where called_at >= $1::timestamptz and called_at < $2::timestamptz
                 group by 1, 2, 3, 4
                 order by tool collate "C", credential_kind collate "C", key_id collate "C",
                          coalesce(subject, 'key:' || key_id) collate "C"`;

/**
 * The billing export of `month` (`YYYY-MM`, UTC): per tenant, tool, credential and user, from the audit table. One
 * transaction per tenant (the owner role sees one tenant at a time); `slug` limits it to one tenant. Rows still
 * queued in Redis are not in it: export a month once it is over and the flush has caught up (`audit backlog`).
 *
 * @throws {ControlError} `invalid` for a malformed month, `not_found` for an unknown slug.
 */
export async function exportUsage(deps: AdminDeps, month: string, slug?: string): Promise<UsageExport> {
  const m = MONTH.exec(month);
  if (!m) throw invalid("month", says`${field("month")} must be a month as YYYY-MM (UTC), got "${month}"`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  const from = new Date(Date.UTC(year, index, 1)).toISOString();
  const to = new Date(Date.UTC(year, index + 1, 1)).toISOString();
  const tenants = (await listTenants(deps)).filter((t) => slug === undefined || t.slug === slug);
  if (slug !== undefined && tenants.length === 0)
    throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "tenant" });
  tenants.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const lines: ExportLine[] = [];
  for (const t of tenants) {
    const { results } = await ownerTransaction(deps.sql, { tenantId: t.id }, [{ text: GROUPS, params: [from, to] }]);
    for (const r of results[0] ?? []) lines.push(toLine(t.slug, r));
  }
  const sum = (k: "rows" | "calls" | "errors" | "billable"): number => lines.reduce((n, l) => n + l[k], 0);
  return {
    month,
    lines,
    total: { rows: sum("rows"), calls: sum("calls"), errors: sum("errors"), billable: sum("billable") },
  };
}

function toLine(tenant: string, r: Row): ExportLine {
  return {
    tenant,
    tool: String(r.tool),
    credentialKind: String(r.credential_kind),
    credential: String(r.credential),
    user: String(r.user),
    rows: Number(r.rows),
    calls: Number(r.calls),
    errors: Number(r.errors),
    billable: Number(r.billable),
  };
}

const CSV_HEADER = [
  "month",
  "tenant",
  "tool",
  "credential_kind",
  "credential",
  "user",
  "rows",
  "calls",
  "errors",
  "billable",
];

/**
 * The export as CSV (RFC 4180 quoting, LF line ends): a header, one line per group, then a last line whose tenant is
 * `(total)` with the sums. Same export, same bytes.
 */
export function usageExportCsv(e: UsageExport): string {
  const line = (fields: (string | number)[]): string => fields.map((f) => csvField(String(f))).join(",");
  return [
    line(CSV_HEADER),
    ...e.lines.map((l) =>
      line([e.month, l.tenant, l.tool, l.credentialKind, l.credential, l.user, l.rows, l.calls, l.errors, l.billable]),
    ),
    line([e.month, "(total)", "", "", "", "", e.total.rows, e.total.calls, e.total.errors, e.total.billable]),
  ].join("\n");
}
