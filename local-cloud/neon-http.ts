import type { IncomingMessage, ServerResponse } from "node:http";
import pg from "pg";
import type { FaultHook } from "./faults.ts";
import type { PgBackend } from "./postgres.ts";
import type { Stats } from "./stats.ts";
import { parseHeaders, parsePayload, RequestError, type Payload, type RequestOptions } from "./neon/http-request.ts";
import { errorBody, isPostgresError } from "./neon/http-response.ts";
import { execute, resetConnection, type Outcome } from "./neon/execute.ts";
import { createPools } from "./neon/pools.ts";

/** Options of {@link createNeonHttpHandler}. */
interface NeonHttpOptions {
  backend: PgBackend;
  stats: Pick<Stats, "count">;
  /** Largest request body accepted, in bytes. Default 10 MiB. */
  maxRequestBytes?: number;
  /** Largest response body sent, in bytes; larger answers are a 507 as on Neon. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Injected faults (tests); none by default. */
  faults?: FaultHook;
}

const MiB = 1024 * 1024;

/**
 * Neon's SQL-over-HTTP endpoint (`POST /sql`) in front of the backend: the wire format of Neon's proxy as
 * `@neondatabase/serverless` uses it (one statement, or `{queries}` as one transaction; raw text values with real
 * type ids; Neon-shaped 400 errors). Connections are pooled per login named in `Neon-Connection-String` (its host
 * is ignored) and reset with `DISCARD ALL` before they go back to the pool, so requests never see each other's
 * session state.
 */
export function createNeonHttpHandler(
  o: NeonHttpOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { backend, stats } = o;
  const pools = createPools({ host: backend.host, port: backend.port });
  backend.onClose(() => pools.close());
  const maxRequest = o.maxRequestBytes ?? 10 * MiB;
  const maxResponse = o.maxResponseBytes ?? 10 * MiB;
  const servedDatabase = decodeURIComponent(new URL(backend.adminUrl).pathname.slice(1));

  return async (req, res) => {
    let opts: RequestOptions;
    let text: string;
    let payload: Payload;
    try {
      if (req.method !== "POST") throw new RequestError(`method ${req.method} not allowed, use POST`, 405);
      opts = parseHeaders(req.headers);
      text = await readBody(req, maxRequest);
      payload = parsePayload(text);
    } catch (err) {
      return sendError(res, err);
    }
    const fault = o.faults?.pick(text, opts.conn.database);
    if (fault && !(await fault.apply("request", res))) return;
    if (payload.kind === "single") stats.count("neon_http_query");
    else stats.count("neon_http_transaction");
    stats.count("neon_http_statement", payload.kind === "single" ? 1 : payload.queries.length);

    let client: pg.PoolClient;
    try {
      // PGlite serves one database whatever the login names; a real server refuses an unknown one, and so do we.
      if (backend.impersonates && opts.conn.database !== servedDatabase) throw unknownDatabase(opts.conn.database);
      client = await pools.connect(opts.conn);
    } catch (err) {
      return sendError(res, err);
    }
    let outcome: Outcome;
    try {
      const impersonate = backend.impersonates && opts.conn.user !== backend.superuser ? opts.conn.user : undefined;
      outcome = await execute(client, payload, opts, impersonate);
    } catch (err) {
      client.release(!(await resetConnection(client)));
      return sendError(res, err);
    }
    // Reset before answering: on PGlite all connections share one session, so the next request must not start
    // before this one's session state is gone.
    client.release(!(await resetConnection(client)));

    const body = JSON.stringify(outcome);
    if (Buffer.byteLength(body) > maxResponse) {
      return sendError(res, new RequestError(`response is too large (max is ${maxResponse} bytes)`, 507));
    }
    const headers: Record<string, string> = {};
    if (payload.kind === "batch") {
      // Neon echoes the transaction options it applied.
      if (opts.readOnly) headers["Neon-Batch-Read-Only"] = "true";
      if (opts.deferrable) headers["Neon-Batch-Deferrable"] = "true";
      if (opts.isolationHeader) headers["Neon-Batch-Isolation-Level"] = opts.isolationHeader;
    }
    // The transaction is committed: a fault here loses only the answer.
    if (fault && !(await fault.apply("response", res))) return;
    send(res, 200, body, headers);
  };
}

/**
 * Errors as Neon answers them: Postgres errors (also those raised while connecting, such as an unknown role) are
 * a 400 with every field; refused requests carry their own status; anything else (backend unreachable) is a 500.
 * Only a 400 becomes a `NeonDbError` with fields in the driver.
 */
function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof RequestError) return send(res, err.status, JSON.stringify(errorBody(err.message)));
  if (isPostgresError(err)) return send(res, 400, JSON.stringify(errorBody(err.message, err)));
  const message = err instanceof Error ? err.message || String(err) : String(err);
  send(res, 500, JSON.stringify(errorBody(`could not run the query: ${message}`)));
}

/** The error a PostgreSQL server gives for a login to a database it does not have (SQLSTATE 3D000). */
function unknownDatabase(name: string): pg.DatabaseError {
  const message = `database "${name}" does not exist`;
  return Object.assign(new pg.DatabaseError(message, message.length, "error"), { code: "3D000", severity: "FATAL" });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "access-control-allow-origin": "*",
    ...headers,
  });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep draining without storing, so the 413 can still be written on this connection.
      if (size > limit) return reject(new RequestError(`request body is too large (max is ${limit} bytes)`, 413));
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
