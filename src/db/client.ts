import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";

/** The slice of the Worker's env the database client needs. */
export type DbEnv = Pick<Env, "DATABASE_URL" | "LOCAL_NEON_HTTP_ENDPOINT" | "LOCAL_NEON_WS_PROXY">;

/**
 * The Neon HTTP query function for the Worker's role, built once per isolate. In production `LOCAL_NEON_*` are empty
 * and the driver derives its endpoints from `DATABASE_URL`; locally they point it at the local cloud. Every HTTP
 * request gives up after `timeoutMs` (a database that never answers then fails like one that is down: the caller
 * answers 503 or an isError result instead of hanging). Tenant code reaches it only through `forTenant`.
 */
export function createSql(env: DbEnv, timeoutMs: number): NeonQueryFunction<false, false> {
  const settings = [
    env.DATABASE_URL,
    env.LOCAL_NEON_HTTP_ENDPOINT ?? "",
    env.LOCAL_NEON_WS_PROXY ?? "",
    timeoutMs,
  ].join("\n");
  if (driver?.settings !== settings) {
    // The driver reads these from its global `neonConfig` at query time. They are set here, when the settings change,
    // not on every request: in a deployed isolate they never change (one env, one timeout), so this runs once.
    pointDriverAtLocalCloud(env);
    neonConfig.fetchFunction = boundedFetch(timeoutMs);
    driver = { settings, sql: neon(env.DATABASE_URL) };
  }
  return driver.sql;
}

// Module scope, shared by every request (and so every tenant) of the isolate. Safe because nothing in it is per
// request or per tenant: the endpoint settings, the Worker role's connection string and a stateless query function.
// The tenant is bound per transaction (`set_config('app.tenant_id', ..., true)` in tenant-db.ts), and a request's
// abort signal travels with each call. Keyed by the settings so that an isolate given another env (tests do this)
// configures the driver again instead of using the last one's.
let driver: { settings: string; sql: NeonQueryFunction<false, false> } | undefined;

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** `fetch` that aborts after `timeoutMs`, as well as when the caller's own signal (a cancelled request) aborts. */
function boundedFetch(timeoutMs: number): Fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  };
}

/** Applies the local-cloud endpoints to the driver's global config, when they are set. */
function pointDriverAtLocalCloud(env: Omit<DbEnv, "DATABASE_URL">): void {
  if (env.LOCAL_NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = env.LOCAL_NEON_HTTP_ENDPOINT;
  if (env.LOCAL_NEON_WS_PROXY) {
    const proxy = env.LOCAL_NEON_WS_PROXY;
    neonConfig.wsProxy = () => proxy;
    neonConfig.useSecureWebSocket = false;
    // The default sends the password before the server asks, which trust auth rejects.
    neonConfig.pipelineConnect = false;
  }
}
