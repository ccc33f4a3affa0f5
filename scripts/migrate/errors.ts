import type { DatabaseError } from "pg";
import type { SqlFile } from "./files.ts";

/**
 * An error from running `file`, as one readable message: file, line and column (from the server's character
 * position), SQLSTATE, message, and the server's detail, hint and context when it sent them.
 */
export function describeSqlError(file: SqlFile, error: unknown): string {
  const e = error as Partial<DatabaseError> & { message?: string };
  let where = `${file.name}.sql`;
  const position = Number(e.position);
  if (Number.isInteger(position) && position > 0) {
    const before = file.sql.slice(0, position - 1);
    const line = before.split("\n").length;
    const column = position - before.lastIndexOf("\n") - 1;
    where += `:${line}:${column}`;
  }
  const parts = [`${where}: ${e.code ? `${e.code} ` : ""}${e.message ?? String(error)}`];
  if (e.detail) parts.push(`detail: ${e.detail}`);
  if (e.hint) parts.push(`hint: ${e.hint}`);
  if (e.where) parts.push(`context: ${e.where}`);
  return parts.join("\n  ");
}
