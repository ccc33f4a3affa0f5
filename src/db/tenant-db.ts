import type { NeonQueryFunction } from "@neondatabase/serverless";

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

/** Why a {@link TenantDbError} happened, coarsely, for the caller's choice of a public message. */
export type TenantDbFailure = "query" | "unavailable" | "aborted";

/**
 * A failed tenant-database call. `code` is the Postgres SQLSTATE when the server answered with one. The message is
 * internal (it may quote SQL or server text): log it, never send it to a client.
 */
export class TenantDbError extends Error {
  readonly code: string | undefined;
  readonly failure: TenantDbFailure;

  constructor(message: string, failure: TenantDbFailure, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = "TenantDbError";
    this.failure = failure;
    this.code = code;
  }
}

// Postgres accepts other spellings too (braces, no hyphens); only the canonical form is let through.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in canonical 8-4-4-4-12 hex form (any version, as Postgres' `uuid` type accepts). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

const SET_TENANT = "select set_config('app.tenant_id', $1, true)";

/**
 * A {@link TenantDb} for one tenant over the Neon HTTP driver. Throws at once when `tenantId` is not a UUID: the id
 * is bound as a parameter anyway, but a malformed one means a bug upstream and must not reach the database. Worker
 * code calls it through `forTenant` (src/db/for-tenant.ts); tests call it directly with a client of their own.
 */
export function createTenantDb(sql: NeonQueryFunction<false, false>, tenantId: string): TenantDb {
  if (!isUuid(tenantId)) throw new TypeError("createTenantDb: tenant id is not a UUID");

  const batch = async (statements: Statement[], options: CallOptions = {}): Promise<Record<string, unknown>[][]> => {
    if (statements.length === 0) return [];
    const queries = [sql.query(SET_TENANT, [tenantId]), ...statements.map((s) => sql.query(s.text, s.params ?? []))];
    let results: Record<string, unknown>[][];
    try {
      results = (await sql.transaction(queries, {
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
  return new TenantDbError(message, code ? "query" : "unavailable", code, err);
}
