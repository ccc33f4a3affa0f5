import type { NeonQueryFunction } from "@neondatabase/serverless";
import type { Redis } from "@upstash/redis/cloudflare";
import { loadConfig, type Config } from "./config.ts";
import { createSql } from "./db/client.ts";
import { createRedis } from "./redis/client.ts";
import { createLogger, type Logger } from "./log/logger.ts";

/** Fields of the one log line written per request; pipeline stages fill them in as they learn them. */
export interface RequestLogFields {
  tenant_id?: string;
  key_id?: string;
  session_id?: string;
  method?: string;
  tool?: string;
  lane?: "legacy" | "modern";
}

/**
 * Everything a request needs, built once per request and passed explicitly. Clients are created here but do no
 * I/O until used, so a request rejected by a guard costs nothing upstream.
 */
export interface RequestContext {
  env: Env;
  config: Config;
  requestId: string;
  log: Logger;
  sql: NeonQueryFunction<false, false>;
  redis: Redis;
  waitUntil(promise: Promise<unknown>): void;
  /** Milliseconds since the epoch; injectable so tests need not wait for time. */
  now(): number;
  fields: RequestLogFields;
}

/** Builds the context of one request. */
export function createRequestContext(request: Request, env: Env, ctx: Pick<ExecutionContext, "waitUntil">): RequestContext {
  // Honour an incoming id (from a proxy) only when it is short and plain, so it cannot inject into logs.
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && /^[A-Za-z0-9._-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
  const config = loadConfig(env);
  return {
    env,
    config,
    requestId,
    log: createLogger({ request_id: requestId }),
    sql: createSql(env, config.dbTimeoutMs),
    redis: createRedis(env, config.redisTimeoutMs),
    waitUntil: (p) => ctx.waitUntil(p),
    now: () => Date.now(),
    fields: {},
  };
}
