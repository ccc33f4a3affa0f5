/**
 * Node only: clean-up of the tenants' own databases a local stack made (the database isolation tier,
 * docs/isolation.md) on the local PostgreSQL server. `tenant create --isolation database` names them
 * `<main database>_<tenant id without hyphens>` by default (scripts/tenant-data/location.ts), so the test setup and the
 * bench, which drop and re-create their main database on every run, drop its tenants' databases with it.
 */
import pg from "pg";

/**
 * Drops every database named `<main>_<32 hex digits>` next to the main database named in `adminUrl` (a superuser
 * URL). No server answering: nothing to drop.
 */
export async function dropTenantDatabases(adminUrl: string): Promise<void> {
  const main = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  const maintenance = new URL(adminUrl);
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
  } catch {
    return;
  }
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database
        WHERE starts_with(datname, $1 || '_') AND substr(datname, length($1) + 2) ~ '^[0-9a-f]{32}$'`,
      [main],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
