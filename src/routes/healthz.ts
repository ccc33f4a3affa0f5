import type { NeonQueryFunction } from "@neondatabase/serverless";
import type { Redis } from "@upstash/redis/cloudflare";
import { allShards, type RedisShards } from "../redis/shards.ts";
import type { RequestContext } from "../context.ts";
import { throttleByAddress } from "../http/throttle.ts";

/** How long each dependency may take before the probe calls it unavailable. */
const PROBE_TIMEOUT_MS = 2000;

/** Dependencies the probe checks, as narrow as the probe needs them. */
export interface HealthDeps {
  sql: Pick<NeonQueryFunction<false, false>, "query">;
  redis: Pick<Redis, "ping">;
}

/** What a probe found: each dependency `"ok"` or `"unavailable"`. */
interface Health {
  postgres: "ok" | "unavailable";
  redis: "ok" | "unavailable";
}

/**
 * `GET /healthz` as the Worker serves it: the client's address is throttled (HEALTHZ_LIMITER, 429 past the limit)
 * before anything else, and the answer comes from a probe shared by every caller of this isolate for
 * `healthzCacheMs` ({@link SharedProbe}), so a hammered endpoint costs the stores one probe per isolate per window.
 */
export async function serveHealthz(request: Request, rc: RequestContext): Promise<Response> {
  await throttleByAddress(rc.throttles.healthz, request, rc.log, "healthz");
  const log = (msg: string, err: unknown): void =>
    rc.log.error(msg, { error: err instanceof Error ? err : String(err) });
  const health = await sharedProbe.get(rc.now(), rc.config.healthzCacheMs, () =>
    probeHealth({ sql: rc.sql, redis: everyShard(rc.shards) }, log),
  );
  return healthResponse(health);
}

/**
 * One probe result shared by its callers for a while after it started, including while it is in flight.
 *
 * Module scope, and so shared by the requests of an isolate: it holds no tenant state, only whether the stores
 * answered. Its race is benign: a caller may get a result up to `ttlMs` old, so an outage (or a recovery) shows up to
 * that much late. A failed probe is shared like a good one: a client hammering a broken deployment must not multiply
 * the load on the store that is struggling.
 */
export class SharedProbe<T> {
  private last: { startedAt: number; result: Promise<T> } | undefined;

  /** The result of the probe started within the last `ttlMs` before `now`, else of a new `run()`. */
  get(now: number, ttlMs: number, run: () => Promise<T>): Promise<T> {
    if (this.last === undefined || now - this.last.startedAt >= ttlMs || now < this.last.startedAt) {
      this.last = { startedAt: now, result: run() };
    }
    return this.last.result;
  }
}

const sharedProbe = new SharedProbe<Health>();

/**
 * A PING of every shard as one: "PONG" only when each answered. `/healthz` speaks for the whole deployment, so one shard
 * down shows as `redis: "unavailable"` (while only that shard's tenants fail, see docs/redis-shards.md "When a Redis shard is down";
 * `/healthz/tenant` tells a tenant about its own).
 */
function everyShard(shards: Pick<RedisShards<Pick<Redis, "ping">>, "count" | "at">): Pick<Redis, "ping"> {
  return {
    ping: async () => {
      const answers = await Promise.all(allShards(shards).map((c) => c.ping()));
      return answers.every((a) => a === "PONG") ? "PONG" : String(answers.find((a) => a !== "PONG"));
    },
  };
}

/**
 * `GET /healthz`, unshared: 200 `{"postgres":"ok","redis":"ok"}` when both answer through the real clients, else 503
 * with the failing one marked `"unavailable"`. No detail beyond that: the endpoint is unauthenticated.
 */
export async function healthz(deps: HealthDeps, log: (msg: string, err: unknown) => void): Promise<Response> {
  return healthResponse(await probeHealth(deps, log));
}

/** Probes both stores, each with its own timeout; never throws. */
async function probeHealth(deps: HealthDeps, log: (msg: string, err: unknown) => void): Promise<Health> {
  const [postgres, redis] = await Promise.all([
    probe(
      async () => {
        const rows = (await deps.sql.query("select 1 as ok")) as Array<{ ok: number }>;
        if (rows[0]?.ok !== 1) throw new Error("unexpected answer to select 1");
      },
      "postgres",
      log,
    ),
    probe(
      async () => {
        if ((await deps.redis.ping()) !== "PONG") throw new Error("unexpected answer to PING");
      },
      "redis",
      log,
    ),
  ]);
  return { postgres, redis };
}

function healthResponse(health: Health): Response {
  const ok = health.postgres === "ok" && health.redis === "ok";
  return Response.json(health, { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}

async function probe(
  check: () => Promise<void>,
  name: string,
  log: (msg: string, err: unknown) => void,
): Promise<"ok" | "unavailable"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} probe timed out after ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check(), timeout]);
    return "ok";
  } catch (err) {
    log(`healthz: ${name} unavailable`, err);
    return "unavailable";
  } finally {
    // Workers' clearTimeout takes a number or null, not undefined (Node's accepts it); the timer is set by now anyway.
    if (timer !== undefined) clearTimeout(timer);
  }
}
