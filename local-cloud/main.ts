import { parseArgs } from "node:util";
import type { ReadyInfo } from "./ready.ts";
import { startCloud, type Cloud } from "./start.ts";
import { readDotenv, writeDevVars } from "./dev-vars.ts";
import { migrate } from "../scripts/migrate.ts";
import { dropDatabase, flushRedis } from "./fresh.ts";
import { shardDbUrls } from "./shard-urls.ts";

const HELP = `Usage: npm run cloud -- [options]

Runs the local cloud: Neon's HTTP and WebSocket protocols and Upstash's REST protocol in front of real PostgreSQL
and Redis (or embedded fallbacks when no server answers), migrates the database and writes .dev.vars for wrangler.

Options:
  --database-url URL    admin URL of the database (default: $DATABASE_URL or postgres://postgres@127.0.0.1:5432/tenant_mcp)
  --redis-url URL       Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)
  --neon-port N         port of the Neon endpoint, HTTP /sql and WebSocket /v1 (default 4444)
  --upstash-port N      port of the Upstash REST endpoint (default 8079; shard i listens on N + i)
  --redis-shards N      serve N Upstash databases (shards, default 1), the Worker gets them as UPSTASH_SHARDS
  --shard-redis-urls L  comma-separated Redis URLs of shards 1..N-1 (default: the db numbers after --redis-url's,
                        counting down from it when they would pass 15)
  --latency-ms N        add N ms before serving each request, to model a network round trip (default 0)
  --no-migrate          do not apply sql/ migrations
  --seed                also load the dev seed (demo tenants)
  --dev-vars FILE       where to write the Worker's local variables (default .dev.vars; "-" to skip)
  --fresh               drop the database and empty the Redis db first (the test setup uses this)
  --ready-json          when ready, print one JSON line with the endpoints to stdout (for programs that start it)
  -h, --help            show this help

Counters: GET http://127.0.0.1:<port>/__stats, reset with POST /__stats/reset.
Faults (tests): POST /__faults {"redis"|"postgres": "refuse"|"drop"|"delay"|"error", "delayMs": N}, DELETE to clear;
  one database only: {"postgres": {"mode": "refuse", "database": "NAME"}} (the database its connection string names).`;

/** Defaults shared by `npm run cloud` and `npm run dev`. */
const CLOUD_DEFAULTS = {
  databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp",
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  neonPort: 4444,
  upstashPort: 8079,
} as const;

/** Parses the command line shared by `npm run cloud` and `npm run dev`; exits with a message on bad input. */
export function parseCloudArgs(argv: string[], help: string) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        "database-url": { type: "string", default: CLOUD_DEFAULTS.databaseUrl },
        "redis-url": { type: "string", default: CLOUD_DEFAULTS.redisUrl },
        "neon-port": { type: "string", default: String(CLOUD_DEFAULTS.neonPort) },
        "upstash-port": { type: "string", default: String(CLOUD_DEFAULTS.upstashPort) },
        "redis-shards": { type: "string", default: "1" },
        "shard-redis-urls": { type: "string", default: "" },
        "latency-ms": { type: "string", default: "0" },
        "no-migrate": { type: "boolean", default: false },
        seed: { type: "boolean", default: false },
        "dev-vars": { type: "string", default: ".dev.vars" },
        fresh: { type: "boolean", default: false },
        "ready-json": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message}\n\n${help}`);
  }
  if (parsed.help) {
    process.stdout.write(`${help}\n`);
    process.exit(0);
  }
  const shards = int(parsed["redis-shards"], "--redis-shards");
  if (shards < 1 || shards > 16) fail(`--redis-shards must be from 1 to 16, got "${shards}"`);
  const listed = parsed["shard-redis-urls"].split(",").filter(Boolean);
  if (listed.length && listed.length !== shards - 1)
    fail(`--shard-redis-urls lists ${listed.length} URL(s), --redis-shards ${shards} needs ${shards - 1}`);
  return {
    databaseUrl: parsed["database-url"],
    redisUrl: parsed["redis-url"],
    shardRedisUrls: listed.length ? listed : shardDbUrls(parsed["redis-url"], shards),
    neonPort: int(parsed["neon-port"], "--neon-port"),
    upstashPort: int(parsed["upstash-port"], "--upstash-port"),
    latencyMs: int(parsed["latency-ms"], "--latency-ms"),
    migrate: !parsed["no-migrate"],
    seed: parsed.seed,
    devVars: parsed["dev-vars"] === "-" ? undefined : parsed["dev-vars"],
    fresh: parsed.fresh,
    readyJson: parsed["ready-json"],
  };
}

/** Options parsed by {@link parseCloudArgs}. */
type CloudArgs = ReturnType<typeof parseCloudArgs>;

/** Starts the cloud, migrates (and seeds) the database, writes .dev.vars. Shared by `cloud` and `dev`. */
export async function bringUpCloud(args: CloudArgs, log: (m: string) => void): Promise<Cloud> {
  if (args.fresh) await dropDatabase(args.databaseUrl);
  // Keep the token a running `wrangler dev` already has, so restarting the cloud does not lock the Worker out.
  const previous = args.devVars ? await readDotenv(args.devVars) : {};
  const cloud = await startCloud({ ...args, upstashToken: previous.UPSTASH_REDIS_REST_TOKEN || undefined, log });
  try {
    if (args.fresh) for (const shard of cloud.upstashShards) await flushRedis(shard.url, shard.token);
    if (args.migrate || args.seed) {
      // The Worker's DATA_SECRET_KEY opens the admin URLs of tenants' own databases, which migrate too.
      const { applied } = await migrate({
        databaseUrl: cloud.pg.adminUrl,
        seed: args.seed,
        dataSecretKey: previous.DATA_SECRET_KEY,
        log,
      });
      log(applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date");
    }
    if (args.devVars) await writeDevVars(args.devVars, cloud);
  } catch (err) {
    await cloud.close();
    throw err;
  }
  return cloud;
}

/** Prints where everything listens and which engines are in use. */
export function describeCloud(cloud: Cloud, log: (m: string) => void): void {
  log(
    `postgres engine: ${cloud.engines.postgres === "server" ? "PostgreSQL server" : "EMBEDDED PGlite (no server reachable)"}`,
  );
  log(
    `redis engine:    ${cloud.engines.redis === "server" ? "Redis server" : "EMBEDDED in-process store (no server reachable)"}`,
  );
  log(`neon http:       ${cloud.neonHttpEndpoint}`);
  log(`neon websocket:  ws://${cloud.neonWsProxy}`);
  log(`upstash rest:    ${cloud.upstashUrl}`);
  for (const [i, shard] of cloud.upstashShards.entries())
    if (i > 0) log(`upstash shard ${i}: ${shard.url} (Redis ${cloud.options.shardRedisUrls[i - 1]})`);
  log(`counters:        ${cloud.statsUrl}`);
  if (cloud.options.latencyMs) log(`added latency:   ${cloud.options.latencyMs} ms per request`);
}

/** What `--ready-json` prints. */
function readyInfo(cloud: Cloud): ReadyInfo {
  return {
    neonHttpEndpoint: cloud.neonHttpEndpoint,
    neonWsProxy: cloud.neonWsProxy,
    upstashUrl: cloud.upstashUrl,
    upstashToken: cloud.upstashToken,
    upstashShards: cloud.upstashShards,
    statsUrl: cloud.statsUrl,
    faultsUrl: cloud.faultsUrl,
    adminDatabaseUrl: cloud.pg.adminUrl,
    engines: cloud.engines,
  };
}

function int(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** Keeps the process alive until SIGINT/SIGTERM, then closes the cloud. */
export function closeOnSignal(close: () => Promise<void>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (import.meta.main) {
  const log = (m: string): void => void process.stderr.write(`[cloud] ${m}\n`);
  const args = parseCloudArgs(process.argv.slice(2), HELP);
  try {
    const cloud = await bringUpCloud(args, log);
    describeCloud(cloud, log);
    if (args.devVars) log(`wrote ${args.devVars}`);
    if (args.readyJson) process.stdout.write(`${JSON.stringify(readyInfo(cloud))}\n`);
    log("ready; Ctrl-C to stop");
    closeOnSignal(() => cloud.close());
  } catch (err) {
    fail((err as Error).message);
  }
}
