import type { Sql as DriverSql } from "../db/sql.ts";
import type { Statement } from "../db/tenant-db.ts";
import { ControlError, reasonOf } from "./errors.ts";

/** The Neon HTTP query function the admin tools use (the Worker's driver, with an owner or admin login). */
export type Sql = DriverSql;

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/**
 * Which tenant a transaction works on. The owner role is under FORCE ROW LEVEL SECURITY, so it sees exactly the
 * tenant named in app.tenant_id; a slug or key id is resolved to that id inside the same transaction by the
 * operator directory functions (sql/005). An unknown slug or key id scopes the transaction to nothing at all.
 */
export type Scope = { tenantId: string } | { slug: string } | { keyId: string } | { directory: true };

/** What {@link ownerTransaction} returns. */
export interface OwnerResult {
  /** The tenant the scope resolved to; `null` when the slug or key id names none (or for the directory scope). */
  tenantId: string | null;
  /** The rows of each statement, in order. */
  results: Row[][];
}

// Every admin transaction runs as the owner role, whatever the login: a superuser locally, Neon's project owner in
// production. So row-level security holds for the CLI exactly as it does for the migrations and the seed.
const AS_OWNER = "set local role tenant_mcp_owner";

function scopeStatement(scope: Scope): Statement | null {
  if ("tenantId" in scope)
    return { text: "select set_config('app.tenant_id', $1, true) as tenant_id", params: [scope.tenantId] };
  if ("slug" in scope) {
    return {
      text: "select set_config('app.tenant_id', coalesce(public.directory_tenant_id($1)::text, ''), true) as tenant_id",
      params: [scope.slug],
    };
  }
  if ("keyId" in scope) {
    return {
      text: "select set_config('app.tenant_id', coalesce(public.directory_key_tenant_id($1)::text, ''), true) as tenant_id",
      params: [scope.keyId],
    };
  }
  return null;
}

/**
 * Runs `statements` in one Neon HTTP transaction (one round trip, all or nothing) as tenant_mcp_owner, scoped to one
 * tenant. Everything a command changes, and the key ids whose cached lookups it must then invalidate, comes back from
 * this one transaction.
 */
export async function ownerTransaction(sql: Sql, scope: Scope, statements: Statement[]): Promise<OwnerResult> {
  const setup = [{ text: AS_OWNER }, scopeStatement(scope)].filter((s): s is Statement => s !== null);
  const all = [...setup, ...statements];
  let results: Row[][];
  try {
    results = (await sql.transaction(all.map((s) => sql.query(s.text, s.params ?? [])))) as Row[][];
  } catch (err) {
    // Postgres' own errors carry a SQLSTATE and go up as they are; anything else never reached the database.
    if (typeof (err as { code?: unknown }).code === "string") throw err;
    throw new ControlError("unavailable", `cannot reach the database: ${reasonOf(err)}`, { cause: err });
  }
  const tenantId = setup.length === 2 ? ((results[1]?.[0]?.tenant_id as string | undefined) ?? "") : "";
  return { tenantId: tenantId === "" ? null : tenantId, results: results.slice(setup.length) };
}
