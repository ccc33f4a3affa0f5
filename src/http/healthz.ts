import type { NeonQueryFunction } from "@neondatabase/serverless";
import type { Redis } from "@upstash/redis/cloudflare";

/** How long each dependency may take before the probe calls it unavailable. */
const PROBE_TIMEOUT_MS = 2000;

/** Dependencies the probe checks, as narrow as the probe needs them. */
export interface HealthDeps {
  sql: Pick<NeonQueryFunction<false, false>, "query">;
  redis: Pick<Redis, "ping">;
}

/**
 * `GET /healthz`: 200 `{"postgres":"ok","redis":"ok"}` when both answer through the real clients, else 503 with
 * the failing one marked `"unavailable"`. No detail beyond that: the endpoint is unauthenticated.
 */
export async function healthz(deps: HealthDeps, log: (msg: string, err: unknown) => void): Promise<Response> {
  const [postgres, redis] = await Promise.all([
    probe(async () => {
      const rows = (await deps.sql.query("select 1 as ok")) as Array<{ ok: number }>;
      if (rows[0]?.ok !== 1) throw new Error("unexpected answer to select 1");
    }, "postgres", log),
    probe(async () => {
      if ((await deps.redis.ping()) !== "PONG") throw new Error("unexpected answer to PING");
    }, "redis", log),
  ]);
  const ok = postgres === "ok" && redis === "ok";
  return Response.json({ postgres, redis }, { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}

async function probe(
  check: () => Promise<void>,
  name: string,
  log: (msg: string, err: unknown) => void,
): Promise<"ok" | "unavailable"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} probe timed out after ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return "ok";
  } catch (err) {
    log(`healthz: ${name} unavailable`, err);
    return "unavailable";
  } finally {
    clearTimeout(timer);
  }
}
