import pg from "pg";
import type { Payload, QueryData, RequestOptions } from "./http-request.ts";
import { toNeonResult, type NeonResult, type RawResult } from "./http-response.ts";

/** Every column comes back as Postgres's own text, which is what Neon sends with `Neon-Raw-Text-Output: true`. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** What a request answers with: one result, or `{results}` for a transaction. */
export type Outcome = NeonResult | { results: NeonResult[] };

/**
 * Runs a request's statements on a checked-out connection.
 *
 * A batch runs as Neon runs it: `START TRANSACTION [ISOLATION LEVEL x][, READ ONLY][, DEFERRABLE]`, the
 * statements, `COMMIT`; the first error rolls everything back and is the answer. `impersonate` (PGlite, where every
 * login is the superuser) wraps even a single statement in a transaction that starts with `SET LOCAL ROLE`, so that
 * privileges and row-level security are those of the named user. That makes honest queries behave as on a real
 * server; it is no security boundary (the session user is still the superuser, so `RESET ROLE` escapes it).
 */
export async function execute(
  client: pg.PoolClient,
  payload: Payload,
  opts: RequestOptions,
  impersonate: string | undefined,
): Promise<Outcome> {
  if (payload.kind === "single" && impersonate === undefined) {
    return toNeonResult(await run(client, payload.query), encoding(payload.query, opts));
  }
  const statements = payload.kind === "single" ? [payload.query] : payload.queries;
  const begin = payload.kind === "batch" ? startTransaction(opts) : "START TRANSACTION";
  await client.query(begin);
  const results: NeonResult[] = [];
  try {
    if (impersonate !== undefined) await client.query(`SET LOCAL ROLE ${pg.escapeIdentifier(impersonate)}`);
    for (const q of statements) results.push(toNeonResult(await run(client, q), encoding(q, opts)));
  } catch (err) {
    // If the ROLLBACK fails too, the connection is left in a transaction and the caller's reset discards it.
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
  await client.query("COMMIT");
  return payload.kind === "single" ? results[0]! : { results };
}

/** The transaction's opening statement, spelled as Neon's proxy (tokio-postgres) spells it. */
function startTransaction(opts: Pick<RequestOptions, "isolationLevel" | "readOnly" | "deferrable">): string {
  const modes: string[] = [];
  if (opts.isolationLevel) modes.push(`ISOLATION LEVEL ${opts.isolationLevel}`);
  if (opts.readOnly) modes.push("READ ONLY");
  if (opts.deferrable) modes.push("DEFERRABLE");
  return modes.length ? `START TRANSACTION ${modes.join(", ")}` : "START TRANSACTION";
}

/**
 * One statement over the extended protocol, as Neon sends it: so a string with several statements is an error
 * (42601), exactly as on Neon. node-postgres would use the simple protocol for a query without parameters.
 */
async function run(client: pg.PoolClient, q: QueryData): Promise<RawResult> {
  const config: pg.QueryArrayConfig & { queryMode: "extended" } = {
    text: q.query,
    values: q.params,
    rowMode: "array",
    types: RAW_TEXT,
    queryMode: "extended",
  };
  const r = await client.query(config);
  return { command: r.command, rowCount: r.rowCount, fields: r.fields, rows: r.rows as (string | null)[][] };
}

function encoding(q: QueryData, opts: RequestOptions): { arrayMode: boolean; rawOutput: boolean } {
  return { arrayMode: q.arrayMode ?? opts.arrayMode, rawOutput: opts.rawOutput };
}

/**
 * Leaves a connection as a fresh one, so nothing one request set (session `set_config`, temp tables, prepared
 * statements, `SET ROLE`, advisory locks) reaches the next: `DISCARD ALL`, which also runs
 * `SET SESSION AUTHORIZATION DEFAULT` and `RESET ALL`. Returns false when the connection cannot be reset (still in
 * a transaction, or broken); the caller then destroys it instead of pooling it.
 */
export async function resetConnection(client: pg.PoolClient): Promise<boolean> {
  if (client.getTransactionStatus() !== "I") return false;
  try {
    await client.query("DISCARD ALL");
    return true;
  } catch {
    return false;
  }
}
