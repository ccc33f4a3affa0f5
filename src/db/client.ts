import { neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";

/** The slice of the Worker's env the database client needs. */
export type DbEnv = Pick<Env, "DATABASE_URL" | "LOCAL_NEON_HTTP_ENDPOINT" | "LOCAL_NEON_WS_PROXY">;

/**
 * The Neon HTTP query function for the Worker's role. In production `LOCAL_NEON_*` are empty and the driver derives
 * its endpoints from `DATABASE_URL`; locally they point it at the local cloud. Every HTTP request gives up after
 * `timeoutMs` (a database that never answers then fails like one that is down: the caller answers 503 or an isError
 * result instead of hanging). The driver only reads those settings from its global `neonConfig`; every request of
 * one deployment sets the same values, so the global is effectively immutable.
 */
export function createSql(env: DbEnv, timeoutMs: number): NeonQueryFunction<false, false> {
  pointDriverAtLocalCloud(env);
  neonConfig.fetchFunction = boundedFetch(timeoutMs);
  return neon(env.DATABASE_URL);
}

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

// One function per timeout, so every request of an isolate installs the very same one.
const boundedFetches = new Map<number, Fetch>();

/** `fetch` that aborts after `timeoutMs`, as well as when the caller's own signal (a cancelled request) aborts. */
function boundedFetch(timeoutMs: number): Fetch {
  let bounded = boundedFetches.get(timeoutMs);
  if (!bounded) {
    bounded = (input, init) => {
      const deadline = AbortSignal.timeout(timeoutMs);
      return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
    };
    boundedFetches.set(timeoutMs, bounded);
  }
  return bounded;
}

/** Applies the local-cloud endpoints to the driver's global config, when they are set. */
export function pointDriverAtLocalCloud(env: Omit<DbEnv, "DATABASE_URL">): void {
  if (env.LOCAL_NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = env.LOCAL_NEON_HTTP_ENDPOINT;
  if (env.LOCAL_NEON_WS_PROXY) {
    const proxy = env.LOCAL_NEON_WS_PROXY;
    neonConfig.wsProxy = () => proxy;
    neonConfig.useSecureWebSocket = false;
    // The default sends the password before the server asks, which trust auth rejects.
    neonConfig.pipelineConnect = false;
  }
}
