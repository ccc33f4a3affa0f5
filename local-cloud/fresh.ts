import pg from "pg";

/**
 * Drops the database named in `databaseUrl` (its connections too), so the next start creates it empty. No server
 * answering means nothing to drop: the embedded fallback starts empty anyway.
 */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
  } catch {
    return;
  }
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  } finally {
    await client.end();
  }
}

/** Empties the Redis db behind the local cloud, through its own Upstash endpoint (works for either engine). */
export async function flushRedis(upstashUrl: string, token: string): Promise<void> {
  const res = await fetch(upstashUrl, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(["FLUSHDB"]),
  });
  if (!res.ok) throw new Error(`FLUSHDB through the local cloud failed: ${res.status} ${await res.text()}`);
}
