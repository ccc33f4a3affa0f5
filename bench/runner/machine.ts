import { createRequire } from "node:module";
import { cpus, totalmem } from "node:os";
import pg from "pg";
import type { Machine } from "./results.ts";

/** The machine and runtimes of this run; the server versions are filled in once the cloud runs. */
export async function machine(): Promise<Machine> {
  const require = createRequire(import.meta.url);
  const version = (pkg: string): string => (require(`${pkg}/package.json`) as { version: string }).version;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    workerd: version("workerd"),
    wrangler: version("wrangler"),
    postgres: "unknown",
    redis: "unknown",
  };
}

/** `PostgreSQL <version>` of the server behind the cloud. */
export async function postgresVersion(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("select current_setting('server_version') as v");
    return `PostgreSQL ${rows[0]?.v ?? "unknown"}`;
  } finally {
    await client.end();
  }
}

/** Redis's version, asked through the cloud's Upstash endpoint (`INFO server`); "unknown" if refused. */
export async function redisVersion(upstashUrl: string, token: string): Promise<string> {
  try {
    const res = await fetch(upstashUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(["INFO", "server"]),
      signal: AbortSignal.timeout(5000),
    });
    const { result } = (await res.json()) as { result?: string };
    return /redis_version:(\S+)/.exec(result ?? "")?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}
