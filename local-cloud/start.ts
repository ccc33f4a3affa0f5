import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Faults } from "./faults.ts";
import type { ReadyInfo } from "./ready.ts";
import { Stats } from "./stats.ts";
import { startPgBackend, type PgBackend } from "./postgres.ts";
import { createNeonHttpHandler } from "./neon-http.ts";
import { attachNeonWsBridge } from "./neon-ws.ts";
import { startRedisBackend, type RedisBackend } from "./redis.ts";
import { createUpstashHandler } from "./upstash-rest.ts";

/** Options of {@link startCloud}. */
interface CloudOptions {
  /** Admin (superuser or owner) URL of the database to serve. The database is created if missing. */
  databaseUrl: string;
  /** Redis URL, with an optional db number (`redis://127.0.0.1:6379/15`): the first (or only) Upstash database. */
  redisUrl: string;
  /**
   * Redis URLs of more Upstash databases (shards 1, 2, ...), each served by an Upstash endpoint of its own on its own
   * port (`upstashPort + i` when `upstashPort` is fixed, else a free one) with a token of its own. Default none.
   */
  shardRedisUrls?: string[];
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port of the Neon endpoint (HTTP `/sql` and WebSocket `/v1`). Default 0: a free port. */
  neonPort?: number;
  /** Port of the Upstash REST endpoint. Default 0: a free port. */
  upstashPort?: number;
  /** Bearer token the Upstash endpoint accepts. Default: random. */
  upstashToken?: string;
  /** Fixed delay added before every HTTP request is served, to model a network round trip. Default 0. */
  latencyMs?: number;
  /** Where progress and warnings go. Default: stderr. */
  log?: (message: string) => void;
}

/**
 * A running local cloud: what it announces (its endpoints and engines; stats and faults are served on both ports, see
 * {@link Faults}), and its parts. The admin URL is `pg.adminUrl`.
 */
export interface Cloud extends Omit<ReadyInfo, "adminDatabaseUrl"> {
  pg: PgBackend;
  /** The first shard's backend. */
  redis: RedisBackend;
  stats: Stats;
  faults: Faults;
  options: Required<Omit<CloudOptions, "log">>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Starts the local cloud: a Neon-protocol endpoint and an Upstash-REST endpoint in front of PostgreSQL and Redis
 * (or their embedded fallbacks when no server answers). Used by `npm run cloud`, `npm run dev` and the test setup.
 */
export async function startCloud(opts: CloudOptions): Promise<Cloud> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[cloud] ${m}\n`));
  const options = {
    databaseUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    host: opts.host ?? "127.0.0.1",
    neonPort: opts.neonPort ?? 0,
    upstashPort: opts.upstashPort ?? 0,
    upstashToken: opts.upstashToken ?? randomBytes(24).toString("base64url"),
    latencyMs: opts.latencyMs ?? 0,
    shardRedisUrls: opts.shardRedisUrls ?? [],
  };
  const stats = new Stats();
  const faults = new Faults(stats);
  const [pg, ...backends] = await Promise.all([
    startPgBackend(options.databaseUrl, log),
    ...[options.redisUrl, ...options.shardRedisUrls].map((url) => startRedisBackend(url, log)),
  ]);
  const redis = backends[0] as RedisBackend;

  const postgresFaults = faults.hook("postgres");
  const neon = createServer(
    route(
      createNeonHttpHandler({ backend: pg, stats, faults: postgresFaults }),
      "/sql",
      stats,
      faults,
      options.latencyMs,
    ),
  );
  attachNeonWsBridge(neon, { backend: pg, stats, faults: postgresFaults });
  // One Upstash endpoint per database (shard), as Upstash serves each database at a URL of its own. The first keeps
  // the cloud's token; each other one gets its own, so a client that mixed them up would be refused.
  const tokens = backends.map((_, i) => (i === 0 ? options.upstashToken : `${options.upstashToken}.${i}`));
  const upstashServers = backends.map((backend, i) =>
    createServer(
      route(
        createUpstashHandler({
          backend: backend as RedisBackend,
          token: tokens[i] as string,
          stats,
          faults: faults.hook("redis", i),
        }),
        undefined,
        stats,
        faults,
        options.latencyMs,
      ),
    ),
  );
  const neonPort = await listen(neon, options.neonPort, options.host);
  const upstashPorts: number[] = [];
  for (const [i, server] of upstashServers.entries())
    upstashPorts.push(await listen(server, options.upstashPort ? options.upstashPort + i : 0, options.host));
  const upstashPort = upstashPorts[0] as number;
  const neonBase = `${options.host}:${neonPort}`;

  return {
    neonHttpEndpoint: `http://${neonBase}/sql`,
    neonWsProxy: `${neonBase}/v1`,
    upstashUrl: `http://${options.host}:${upstashPort}`,
    upstashToken: options.upstashToken,
    upstashShards: upstashPorts.map((port, i) => ({
      url: `http://${options.host}:${port}`,
      token: tokens[i] as string,
    })),
    statsUrl: `http://${neonBase}/__stats`,
    faultsUrl: `http://${neonBase}/__faults`,
    engines: { postgres: pg.kind, redis: redis.kind },
    pg,
    redis,
    stats,
    faults,
    options: { ...options, neonPort, upstashPort },
    async close() {
      faults.clear();
      neon.closeAllConnections();
      for (const server of upstashServers) server.closeAllConnections();
      await Promise.all([closeServer(neon), ...upstashServers.map(closeServer)]);
      await Promise.all([pg.close(), ...backends.map((b) => (b as RedisBackend).close())]);
    },
  };
}

/**
 * Wraps an adapter with the endpoints every port serves (`/__stats`, `/__faults`), the optional delay, and a
 * last-resort 500 so an adapter bug answers instead of hanging the client.
 */
function route(handler: Handler, path: string | undefined, stats: Stats, faults: Faults, latencyMs: number) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://local");
    if (url.pathname === "/__stats" && req.method === "GET") return json(res, 200, stats.snapshot());
    if (url.pathname === "/__stats/reset" && req.method === "POST") {
      stats.reset();
      return json(res, 200, { reset: true });
    }
    if (await faults.serve(req, res)) return;
    if (path !== undefined && url.pathname !== path) return json(res, 404, { message: `no route ${url.pathname}` });
    if (latencyMs > 0) await delay(latencyMs);
    try {
      await handler(req, res);
    } catch (err) {
      process.stderr.write(`[cloud] adapter error on ${req.method} ${url.pathname}: ${(err as Error).stack}\n`);
      if (!res.headersSent) json(res, 500, { error: "local cloud adapter error", message: (err as Error).message });
      else res.destroy();
    }
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
