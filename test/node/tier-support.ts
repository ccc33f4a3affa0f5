// Databases for the tier tests on the local PostgreSQL server: each named after the worker's own test database
// (TEST_DATABASE_URL), so parallel checkouts never collide, and dropped when the file's tests end.
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { connect as connectAdmin } from "../../scripts/admin/connect.ts";

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_test";
/** The server's maintenance database, as the superuser. */
export const SERVER_URL = (() => {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = "/postgres";
  return u.toString();
})();
const PREFIX = decodeURIComponent(new URL(TEST_DATABASE_URL).pathname.slice(1));

/** A DATA_SECRET_KEY for these tests (32 bytes, base64url; not secret). */
export const DATA_KEY = "dGllci10ZXN0cy1kYXRhLWtleS1ub3Qtc2VjcmV0LTA";

/** Collects what a test file made, for {@link Scratch.cleanup}. */
export class Scratch {
  private readonly databases: string[] = [];
  private readonly dirs: string[] = [];

  /** A URL (superuser) for a database that does not exist yet, named `<test database>_<tag>_<random>`. */
  databaseUrl(tag: string, user?: string): string {
    const name = `${PREFIX}_${tag}_${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
    this.databases.push(name);
    const u = new URL(SERVER_URL);
    u.pathname = `/${name}`;
    if (user) u.username = user;
    return u.toString();
  }

  /** Remembers a database made elsewhere (e.g. one named by a move) so that cleanup drops it. */
  adopt(url: string): void {
    this.databases.push(decodeURIComponent(new URL(url).pathname.slice(1)));
  }

  /** A copy of the repository's sql/ folder, with `extra` files (path relative to it) added. */
  async sqlDir(extra: Record<string, string> = {}): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "tmcp-tier-sql-"));
    this.dirs.push(dir);
    await cp(fileURLToPath(new URL("../../sql/", import.meta.url)), dir, { recursive: true });
    for (const [name, text] of Object.entries(extra)) await writeFile(join(dir, name), text);
    return dir;
  }

  async cleanup(): Promise<void> {
    for (const name of this.databases) {
      await query(SERVER_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    }
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs one statement on a fresh connection. */
export async function query<R extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Whether a database of this URL's name exists. */
export async function databaseExists(url: string): Promise<boolean> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  return (await query(SERVER_URL, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 1;
}

/** What the operator tools need to manage a fresh main database `mainUrl` (superuser) through the test cloud. */
export function tierDeps(
  cloud: import("../cloud-context.ts").CloudContext,
  mainUrl: string,
  sqlDir?: string,
): {
  deps: import("../../src/control/types.ts").AdminDeps;
  admin: import("../../scripts/tenant-data/data-admin.ts").DataAdmin;
} {
  const owner = new URL(mainUrl);
  owner.username = "tenant_mcp_owner";
  owner.password = "";
  const deps = connectAdmin({
    databaseUrl: owner.toString(),
    redisUrl: cloud.upstashUrl,
    redisToken: cloud.upstashToken,
    redisShards: cloud.upstashShards,
    pepper: cloud.apiKeyPepper,
    loginSecretKey: "",
    neonHttpEndpoint: cloud.neonHttpEndpoint,
    adminDatabaseUrl: mainUrl,
    dataSecretKey: DATA_KEY,
    source: "environment",
  });
  const admin = { adminDatabaseUrl: mainUrl, dataSecretKey: DATA_KEY, ...(sqlDir ? { sqlDir } : {}) };
  return { deps: { ...deps, dataAdmin: admin }, admin };
}
