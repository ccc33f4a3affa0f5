import type { IncomingHttpHeaders } from "node:http";

/** Isolation levels accepted in `Neon-Batch-Isolation-Level`, with the SQL each one stands for. */
const ISOLATION_LEVELS = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
} as const;

/** One statement of a request, with its parameters already in Postgres text form. */
export interface QueryData {
  query: string;
  params: (string | null)[];
  /** Per-statement override of `Neon-Array-Mode`. */
  arrayMode: boolean | undefined;
}

/** Login named by `Neon-Connection-String` (its host and port are ignored: the adapter dials its own backend). */
export interface ConnTarget {
  user: string;
  password: string | undefined;
  database: string;
}

/** Everything the headers say about how to run and encode a request. */
export interface RequestOptions {
  conn: ConnTarget;
  rawOutput: boolean;
  arrayMode: boolean;
  /** SQL spelling of the isolation level, e.g. `REPEATABLE READ`. */
  isolationLevel: string | undefined;
  isolationHeader: string | undefined;
  readOnly: boolean;
  deferrable: boolean;
}

/** A single statement or a batch that runs as one transaction. */
export type Payload = { kind: "single"; query: QueryData } | { kind: "batch"; queries: QueryData[] };

/** A request the adapter refuses before touching Postgres; answered with `status` and a Neon-shaped error body. */
export class RequestError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.name = "RequestError";
    this.status = status;
  }
}

/**
 * Reads the Neon headers. As in Neon's proxy, only the exact value "true" turns a boolean header on, and the
 * isolation level is checked on every request (an unknown value is a 400 even for a single query).
 */
export function parseHeaders(headers: IncomingHttpHeaders): RequestOptions {
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const connString = header("neon-connection-string");
  if (!connString) throw new RequestError("missing connection string");
  const isolationHeader = header("neon-batch-isolation-level");
  let isolationLevel: string | undefined;
  if (isolationHeader !== undefined) {
    if (!Object.hasOwn(ISOLATION_LEVELS, isolationHeader)) throw new RequestError("invalid isolation level");
    isolationLevel = ISOLATION_LEVELS[isolationHeader as keyof typeof ISOLATION_LEVELS];
  }
  return {
    conn: parseConnectionString(connString),
    rawOutput: header("neon-raw-text-output") === "true",
    arrayMode: header("neon-array-mode") === "true",
    isolationLevel,
    isolationHeader,
    readOnly: header("neon-batch-read-only") === "true",
    deferrable: header("neon-batch-deferrable") === "true",
  };
}

function parseConnectionString(value: string): ConnTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RequestError("invalid connection string: not a URL");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new RequestError("invalid connection string: scheme must be postgres or postgresql");
  }
  const user = decodeURIComponent(url.username);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!user) throw new RequestError("invalid connection string: missing user");
  if (!database) throw new RequestError("invalid connection string: missing database name");
  return { user, password: url.password ? decodeURIComponent(url.password) : undefined, database };
}

/** Parses the JSON body: `{query, params?, arrayMode?}` or `{queries: [...]}`. */
export function parsePayload(body: string): Payload {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new RequestError(`could not parse request body as JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new RequestError("request body must be a JSON object");
  if (Array.isArray(json.queries)) return { kind: "batch", queries: json.queries.map(queryData) };
  return { kind: "single", query: queryData(json) };
}

function queryData(value: unknown): QueryData {
  if (!isObject(value) || typeof value.query !== "string") {
    throw new RequestError('request body must have a string "query" or an array "queries"');
  }
  const params = value.params ?? [];
  if (!Array.isArray(params)) throw new RequestError('"params" must be an array');
  const arrayMode = value.arrayMode;
  if (arrayMode !== undefined && arrayMode !== null && typeof arrayMode !== "boolean") {
    throw new RequestError('"arrayMode" must be a boolean');
  }
  return { query: value.query, params: params.map(paramText), arrayMode: arrayMode ?? undefined };
}

/**
 * JSON parameter to Postgres text, as Neon's proxy converts them: strings pass unchanged, null is NULL, booleans,
 * numbers and objects become their JSON text, arrays become Postgres array literals.
 */
function paramText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

function arrayLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  // JSON string quoting escapes `"` and `\` with a backslash, which is also what an array literal needs.
  if (Array.isArray(value)) return `{${value.map(arrayLiteral).join(",")}}`;
  if (typeof value === "object") return JSON.stringify(JSON.stringify(value));
  return JSON.stringify(value);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
