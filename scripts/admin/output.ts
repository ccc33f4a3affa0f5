import { escapeControls } from "../../src/control/text.ts";

/** What a command prints: one JSON document with `--json`, else text for a person. */
export interface Output {
  json: unknown;
  human: string;
  /** Lines for stderr, each printed after `warning: `, with or without `--json` (stdout stays one document). */
  warnings?: string[];
  /**
   * What a change names that its command line does not, for its operator audit log entry (scripts/admin/audit-trail.ts):
   * the tenant's id, the id of a key it made.
   */
  audit?: { tenantId?: string; target?: string };
}

/**
 * An aligned table: a header row in capitals, then one line per row; columns two spaces apart. Cells are escaped
 * (see escapeControls), so a value can neither break a row nor act on the terminal.
 */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(escapeControls))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] as number)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Label/value lines with the values aligned and escaped like table cells. */
export function fields(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${escapeControls(v)}`.trimEnd()).join("\n");
}

/** A timestamp for people: `2026-11-26 13:59:00Z`; `-` for none. */
export function when(isoTime: string | null): string {
  return isoTime === null ? "-" : `${isoTime.slice(0, 10)} ${isoTime.slice(11, 19)}Z`;
}

/**
 * A timestamp the database keeps only to the minute, without the seconds that would claim more: `2026-11-26 13:59Z`.
 * `-` for none.
 */
export function minute(isoTime: string | null): string {
  return isoTime === null ? "-" : `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)}Z`;
}

/** A list for a table cell; `-` for empty. */
export function list(items: readonly string[]): string {
  return items.length ? items.join(",") : "-";
}
