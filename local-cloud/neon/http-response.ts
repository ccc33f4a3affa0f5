import pg, { type FieldDef } from "pg";
import { textToJson } from "./text-to-json.ts";

/** What the adapter needs from a node-postgres result run with raw text values and `rowMode: "array"`. */
export interface RawResult {
  command: string | null;
  rowCount: number | null;
  fields: FieldDef[];
  rows: (string | null)[][];
}

/** One statement's result as Neon's `/sql` returns it. */
export interface NeonResult {
  rowAsArray: boolean;
  fields: {
    name: string;
    dataTypeID: number;
    tableID: number;
    columnID: number;
    dataTypeSize: number;
    dataTypeModifier: number;
    format: "text";
  }[];
  rows: unknown[];
  command: string;
  rowCount: number | null;
}

/**
 * Shapes a result like Neon's proxy: `command` is the first word of the command tag and `rowCount` its count, or
 * null when the tag has none (DDL). node-postgres parses the tag the same way (`INSERT 0 5` -> 5, `CREATE TABLE`
 * -> null), so its `command`/`rowCount` are used as they are.
 */
export function toNeonResult(result: RawResult, o: { arrayMode: boolean; rawOutput: boolean }): NeonResult {
  const fields = result.fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: "text" as const,
  }));
  const value = (v: string | null, i: number): unknown =>
    v === null || o.rawOutput ? v : textToJson(v, fields[i]!.dataTypeID);
  const rows = result.rows.map((row) =>
    o.arrayMode ? row.map(value) : Object.fromEntries(row.map((v, i) => [fields[i]!.name, value(v, i)])),
  );
  return { rowAsArray: o.arrayMode, fields, rows, command: result.command ?? "", rowCount: result.rowCount };
}

/** The keys of an error body, in Neon's order. Missing ones are sent as null. */
const ERROR_KEYS = [
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "severity",
  "where",
  "table",
  "column",
  "schema",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

/** Error body with every key Neon sends: `message`, then the Postgres error fields (null when absent). */
export function errorBody(
  message: string,
  fields: Partial<Record<(typeof ERROR_KEYS)[number], unknown>> = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = { message };
  for (const key of ERROR_KEYS) {
    const v = fields[key];
    body[key] = v === undefined || v === null ? null : String(v);
  }
  return body;
}

/** True for an error Postgres sent (it carries a SQLSTATE), as opposed to a network or driver failure. */
export function isPostgresError(err: unknown): err is pg.DatabaseError {
  return err instanceof pg.DatabaseError;
}
