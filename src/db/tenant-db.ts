import type { Sql } from "./sql.ts";

/** One parameterised SQL statement. */
export interface Statement {
  text: string;
  params?: unknown[];
}

/** Per-call options of a {@link TenantDb}. */
interface CallOptions {
  /** Run as a `READ ONLY` transaction, so a read path cannot write even by mistake. Default: false. */
  readOnly?: boolean;
  /** Aborts the HTTP request (client cancelled, request ended). Default: none. */
  signal?: AbortSignal;
}

/**
 * The only way Worker code reaches tenant tables. Every call is one Neon HTTP request carrying one transaction whose
 * first statement sets `app.tenant_id` (transaction-local), so row-level security scopes everything after it.
 */
export interface TenantDb {
  /** Runs one statement; returns its rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[], options?: CallOptions): Promise<T[]>;
  /** Runs several statements in one transaction (one round trip); returns each statement's rows, in order. */
  batch(statements: Statement[], options?: CallOptions): Promise<Record<string, unknown>[][]>;
}

/**
 * Why a {@link TenantDbError} happened, coarsely, for the caller's choice of a public message. `moving`: the tenant's
 * data is being moved to another isolation tier, and this call was refused before it did anything (a retry succeeds
 * once the move is done).
 */
export type TenantDbFailure = "query" | "unavailable" | "aborted" | "moving";

/** The SQLSTATE public.enter_tenant raises while the tenant's data is fenced for a move (sql/data/database.sql). */
export const DATA_MOVING_SQLSTATE = "55TM1";

/**
 * A failed tenant-database call. `code` is the Postgres SQLSTATE when the server answered with one. The message is
 * internal (it may quote SQL or server text): log it, never send it to a client.
 */
export class TenantDbError extends Error {
  readonly code: string | undefined;
  readonly failure: TenantDbFailure;
  /** The DETAIL of the server's error, when it sent one (internal, like the message). */
  readonly detail: string | undefined;

  constructor(message: string, failure: TenantDbFailure, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = "TenantDbError";
    this.failure = failure;
    this.code = code;
    const detail = (cause as { detail?: unknown } | null)?.detail;
    this.detail = typeof detail === "string" ? detail : undefined;
  }
}

// Postgres accepts other spellings too (braces, no hyphens); only the canonical form is let through.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in canonical 8-4-4-4-12 hex form (any version, as Postgres' `uuid` type accepts). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A query function that must be opened first (a dedicated database's driver, from its sealed connection string). */
export interface SqlSource {
  /** The query function; rejects when it cannot be opened (the call then fails as `unavailable`). */
  open(): Promise<Sql>;
}

/** Where a {@link TenantDb} enters: the control plane's tenant-scoped rows, or the tenant's data tables. */
export type TenantDbTarget =
  /** The main database's control-plane tables (tenants, keys, audit): only app.tenant_id is set. */
  | { kind: "control" }
  /**
   * The tenant's data tables, entered through public.enter_tenant (sql/data/database.sql): app.tenant_id, search_path
   * to `schema` (null: public) and, for a write, the move fence.
   */
  | { kind: "data"; schema: string | null };

const SET_TENANT = "select set_config('app.tenant_id', $1, true)";
const ENTER_TENANT = "select public.enter_tenant($1, $2, $3)";

/**
 * A {@link TenantDb} for one tenant over the Neon HTTP driver. `sql` is the query function, or a {@link SqlSource}
 * opened on each call's way out (a failure to open is an `unavailable` call). Throws at once when `tenantId` is not a UUID: the id
 * is bound as a parameter anyway, but a malformed one means a bug upstream and must not reach the database. Worker
 * code calls it through `forTenant` (control plane) or `tenantData` (data tables); tests call it directly.
 */
export function createTenantDb(
  sql: Sql | SqlSource,
  tenantId: string,
  target: TenantDbTarget = { kind: "control" },
): TenantDb {
  if (!isUuid(tenantId)) throw new TypeError("createTenantDb: tenant id is not a UUID");
  const driver = "open" in sql ? () => sql.open() : async () => sql;

  const batch = async (statements: Statement[], options: CallOptions = {}): Promise<Record<string, unknown>[][]> => {
    if (statements.length === 0) return [];
    let results: Record<string, unknown>[][];
    try {
      const db = await driver();
      const enter =
        target.kind === "control"
          ? db.query(SET_TENANT, [tenantId])
          : db.query(ENTER_TENANT, [tenantId, target.schema, !(options.readOnly ?? false)]);
      const queries = [enter, ...statements.map((s) => db.query(s.text, s.params ?? []))];
      results = (await db.transaction(queries, {
        readOnly: options.readOnly ?? false,
        ...(options.signal ? { fetchOptions: { signal: options.signal } } : {}),
      })) as Record<string, unknown>[][];
    } catch (err) {
      throw toTenantDbError(err, options.signal);
    }
    return results.slice(1);
  };

  return {
    async query<T = Record<string, unknown>>(text: string, params?: unknown[], options?: CallOptions): Promise<T[]> {
      const [rows] = await batch([{ text, params }], options);
      return (rows ?? []) as T[];
    },
    batch,
  };
}

function toTenantDbError(err: unknown, signal: AbortSignal | undefined): TenantDbError {
  const message = err instanceof Error ? err.message : String(err);
  if (signal?.aborted) return new TenantDbError(`aborted: ${message}`, "aborted", undefined, err);
  // NeonDbError carries the SQLSTATE only when Postgres answered (HTTP 400); transport failures have none.
  const code = typeof (err as { code?: unknown })?.code === "string" ? (err as { code: string }).code : undefined;
  if (code === DATA_MOVING_SQLSTATE) return new TenantDbError(message, "moving", code, err);
  if (err instanceof TenantDbError) return err;
  return new TenantDbError(message, code ? "query" : "unavailable", code, err);
}
