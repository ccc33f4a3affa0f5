import type { Redis } from "@upstash/redis/cloudflare";
import { loadConfig, type Config } from "./config.ts";
import { createSql, type Sql } from "./db/client.ts";
import { createRedisShards } from "./redis/client.ts";
import type { RedisShards } from "./redis/shards.ts";
import { createLogger, type Logger } from "./log/logger.ts";
import type { AddressLimiter } from "./http/throttle.ts";
import { workflowEngine, type TaskEngine } from "./tasks/engine.ts";

/** Fields of the one log line written per request; pipeline stages fill them in as they learn them. */
interface RequestLogFields {
  tenant_id?: string;
  key_id?: string;
  session_id?: string;
  method?: string;
  tool?: string;
  lane?: "session" | "stateless";
  /** The operator token an operator API request was made with (its id, never the token). */
  operator_id?: string;
  /** The OAuth grant a request's token belongs to (never the token). */
  grant_id?: string;
  /** The person an OAuth token was issued to. */
  subject?: string;
  /** The JSON-RPC id of the request message. */
  jsonrpc_id?: string | number;
  /** The MCP revision the request speaks (header, session, `initialize` or the 2026-07-28 envelope). */
  protocol_version?: string;
  /** How the request failed, when it did: an HTTP status, or a tool call's `tool_error` / `protocol_error`. */
  error_type?: string;
  /** What a `tools/call`'s client saw (src/audit/types.ts `CallOutcome`), once the lane answered it. */
  call_outcome?: "ok" | "tool_error" | "protocol_error" | "input_required";
  /** The workspace a 2026-07-28 `tools/call` named in its `Mcp-Param-Workspace` header, checked against the arguments. */
  workspace_id?: string;
  /** The task a 2026-07-28 `tools/call` started, or the task an engine round runs (src/tasks/). */
  task_id?: string;
  /** W3C trace context from the message's `params._meta`, when the client sent a valid one. */
  traceparent?: string;
  tracestate?: string;
}

/** The per-address throttles (Workers Rate Limiting bindings, see wrangler.toml) the pipeline counts requests in. */
interface AddressThrottles {
  /** AUTH_LIMITER: authentication attempts the isolate cannot vouch for (src/auth/attempt-throttle.ts). */
  authentication: AddressLimiter;
  /** HEALTHZ_LIMITER: unauthenticated `GET /healthz` probes. */
  healthz: AddressLimiter;
}

/**
 * Everything a request needs, built once per request and passed explicitly. Clients are created here but do no
 * I/O until used, so a request rejected by a guard costs nothing upstream. Not the whole `env`: settings come through
 * `config`, bindings through the clients and throttles built from them.
 */
export interface RequestContext {
  config: Config;
  requestId: string;
  log: Logger;
  sql: Sql;
  /**
   * The Redis databases (src/redis/shards.ts): a tenant's state on `forTenant(id)`, a key's cache entry on
   * `forKey(id)`. A client is made on first use, so a request touches only the shards it needs.
   */
  shards: RedisShards<Redis>;
  throttles: AddressThrottles;
  /** The OAuth authorization server's storage (src/oauth/server.ts), where its access tokens are validated. */
  oauthKv: KVNamespace;
  /** Workers Analytics Engine (MCP_METRICS): one data point per request (src/log/metrics.ts); absent when unbound. */
  metrics: Pick<AnalyticsEngineDataset, "writeDataPoint"> | undefined;
  /** The durable engine MCP tasks run on (TASK_WORKFLOW, src/tasks/engine.ts). */
  tasks: TaskEngine;
  waitUntil(promise: Promise<unknown>): void;
  /** Milliseconds since the epoch; injectable so tests need not wait for time. */
  now(): number;
  fields: RequestLogFields;
}

/** Builds the context of one request. */
export function createRequestContext(
  request: Request,
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
): RequestContext {
  const config = loadConfig(env);
  const requestId =
    plainId(config.trustedRequestIdHeader && request.headers.get(config.trustedRequestIdHeader)) ?? crypto.randomUUID();
  // The client's own id is only a hint for matching its logs to ours: it never names the request (one tenant could
  // otherwise stamp its traffic with an id another tenant quoted to support), and only a short, plain one is kept.
  const clientRequestId = plainId(request.headers.get("x-request-id"));
  return {
    config,
    requestId,
    log: createLogger({ request_id: requestId, ...(clientRequestId ? { client_request_id: clientRequestId } : {}) }),
    sql: createSql(env, config.dbTimeoutMs),
    shards: createRedisShards(env, config.redisTimeoutMs),
    throttles: { authentication: env.AUTH_LIMITER, healthz: env.HEALTHZ_LIMITER },
    oauthKv: env.OAUTH_KV,
    metrics: env.MCP_METRICS,
    tasks: workflowEngine(env.TASK_WORKFLOW),
    waitUntil: (p) => ctx.waitUntil(p),
    now: () => Date.now(),
    fields: {},
  };
}

/** `value` when it is a short, plain id (it goes into log lines, headers and audit rows as is), else `undefined`. */
function plainId(value: string | null | undefined): string | undefined {
  return value && /^[A-Za-z0-9._-]{8,64}$/.test(value) ? value : undefined;
}
