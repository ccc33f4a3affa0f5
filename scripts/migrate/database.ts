import pg from "pg";

/** Where the URL points, with any password left out, for log lines. */
export function describeUrl(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  const user = u.username ? `${decodeURIComponent(u.username)}@` : "";
  return `${user}${u.host}${u.pathname}`;
}

function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!name) throw new Error(`database URL ${describeUrl(databaseUrl)} names no database`);
  return name;
}

/** Double-quotes an identifier for SQL text (CREATE DATABASE takes no bind parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Connects to `databaseUrl`, first creating the database when the server says it does not exist (3D000). The
 * CREATE runs on the server's `postgres` database with the same credentials; a concurrent runner creating the same
 * database at the same moment is not an error.
 */
export async function connectCreatingDatabase(databaseUrl: string, log: (message: string) => void): Promise<pg.Client> {
  try {
    return await connect(databaseUrl);
  } catch (e) {
    if ((e as { code?: string }).code !== "3D000") throw e;
  }
  const name = databaseName(databaseUrl);
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = "/postgres";
  const admin = await connect(maintenance.toString());
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    log(`created database ${name}`);
  } catch (e) {
    // 42P04: it exists now; 23505: lost the race on pg_database's unique index.
    const code = (e as { code?: string }).code;
    if (code !== "42P04" && code !== "23505") throw e;
  } finally {
    await admin.end();
  }
  return connect(databaseUrl);
}

/** A connected client (a failed connect leaves no socket behind). */
export async function connect(connectionString: string, applicationName = "tenant-mcp-migrate"): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, application_name: applicationName });
  // A connection the server ends while idle (a dropped database, a restart) must not crash the process: the next
  // query on it fails instead, where its caller handles it.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (e) {
    // A failed connect can still leave a socket open.
    await client.end().catch(() => {});
    throw e;
  }
  return client;
}
