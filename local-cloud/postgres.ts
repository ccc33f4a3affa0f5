import pg from "pg";
import { startPglite } from "./neon/pglite.ts";

/** The Postgres engine behind the Neon adapters: a real server, or embedded PGlite when none answers. */
export interface PgBackend {
  /** `server`: a real PostgreSQL; `pglite`: the embedded fallback (one shared session, every login a superuser). */
  kind: "server" | "pglite";
  /** Where the adapters connect, whatever host a client's connection string names. */
  host: string;
  port: number;
  /** Superuser URL of the served database (used for migrations). */
  adminUrl: string;
  /** Name of the superuser that `adminUrl` logs in as. */
  superuser: string;
  /**
   * True when the engine ignores the login user (PGlite): the HTTP adapter then runs each request in a transaction
   * that starts with `SET LOCAL ROLE <user>`, so that row-level security still applies to non-superusers.
   */
  impersonates: boolean;
  /** Registers a cleanup (an adapter's connection pool) that {@link PgBackend.close} runs first. */
  onClose(cleanup: () => Promise<void>): void;
  /** Runs the registered cleanups, then stops the embedded engine (nothing more for a real server). */
  close(): Promise<void>;
}

/** How long to wait for a server before falling back to PGlite. */
const CONNECT_TIMEOUT_MS = 2000;

/**
 * Connects to the PostgreSQL server named by `databaseUrl` and creates its database when missing. When no server
 * answers there, starts PGlite behind a Postgres wire-protocol socket on a free 127.0.0.1 port instead and logs a
 * loud warning. Any other failure (bad credentials, not allowed to create the database) is thrown: a reachable but
 * misconfigured server must not be silently replaced by an empty embedded database.
 */
export async function startPgBackend(databaseUrl: string, log: (msg: string) => void): Promise<PgBackend> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  if (!database) throw new Error(`database URL names no database: ${redact(url)}`);
  const host = url.hostname || "127.0.0.1";
  const port = Number(url.port || 5432);
  const user = decodeURIComponent(url.username) || "postgres";

  const maintenance = new pg.Client({
    host,
    port,
    user,
    password: decodeURIComponent(url.password) || undefined,
    database: "postgres",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    await maintenance.connect();
  } catch (err) {
    await maintenance.end().catch(() => {});
    if (!isUnreachable(err)) throw err;
    log("!".repeat(78));
    log(`WARNING: no PostgreSQL server answers at ${host}:${port} (${(err as Error).message || String(err)}).`);
    log("WARNING: falling back to EMBEDDED PGlite, in memory: data is lost on exit; every login is the superuser");
    log("WARNING: (the HTTP adapter impersonates roles with SET LOCAL ROLE; the WebSocket path cannot).");
    log("!".repeat(78));
    const lite = await startPglite();
    const adminUrl = `postgres://${lite.superuser}@${lite.host}:${lite.port}/${encodeURIComponent(database)}`;
    const { host: liteHost, port: litePort, superuser } = lite;
    return withCleanups(
      { kind: "pglite", host: liteHost, port: litePort, superuser, adminUrl, impersonates: true },
      lite.close,
    );
  }

  try {
    const found = await maintenance.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) {
      try {
        await maintenance.query(`create database ${pg.escapeIdentifier(database)}`);
        log(`created database ${database}`);
      } catch (err) {
        // 42P04 duplicate_database: another process created it between the check and the CREATE.
        if ((err as { code?: string }).code !== "42P04") throw err;
      }
    }
    const su = await maintenance.query<{ rolsuper: boolean }>(
      "select rolsuper from pg_roles where rolname = current_user",
    );
    if (!su.rows[0]?.rolsuper) log(`warning: ${user} is not a superuser; migrations may fail`);
  } finally {
    await maintenance.end();
  }
  return withCleanups(
    { kind: "server", host, port, adminUrl: databaseUrl, superuser: user, impersonates: false },
    async () => {},
  );
}

function withCleanups(base: Omit<PgBackend, "onClose" | "close">, stop: () => Promise<void>): PgBackend {
  const cleanups: (() => Promise<void>)[] = [];
  return {
    ...base,
    onClose: (cleanup) => void cleanups.push(cleanup),
    close: async () => {
      await Promise.allSettled(cleanups.splice(0).map((c) => c()));
      await stop();
    },
  };
}

/** Connection refused, no route, DNS failure or timeout: nothing that speaks Postgres is there. */
function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  if (code && ["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT"].includes(code)) {
    return true;
  }
  return /timeout/i.test((err as Error).message ?? "");
}

function redact(url: URL): string {
  const copy = new URL(url);
  if (copy.password) copy.password = "***";
  return copy.toString();
}
