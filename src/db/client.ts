import type { NeonQueryFunction, NeonQueryPromise } from "@neondatabase/serverless";
import type { Sql } from "./sql.ts";
import { lazyModule } from "../lazy.ts";

export type { Sql } from "./sql.ts";

/**
 * The slice of the Worker's env the database client needs. Spelled out rather than picked from `Env`: the admin CLI
 * (Node) compiles this module too, through the control plane's {@link lazyNeon}.
 */
export interface DbEnv {
  DATABASE_URL: string;
  LOCAL_NEON_HTTP_ENDPOINT?: string;
  LOCAL_NEON_WS_PROXY?: string;
}

/**
 * The Neon HTTP query function for the Worker's role, built once per isolate. In production `LOCAL_NEON_*` are empty
 * and the driver derives its endpoints from `DATABASE_URL`; locally they point it at the local cloud. Every HTTP
 * request gives up after `timeoutMs` (a database that never answers then fails like one that is down: the caller
 * answers 503 or an isError result instead of hanging). Tenant code reaches it only through `forTenant`.
 */
export function createSql(env: DbEnv, timeoutMs: number): Sql {
  const settings = {
    env,
    timeoutMs,
    key: [env.DATABASE_URL, env.LOCAL_NEON_HTTP_ENDPOINT ?? "", env.LOCAL_NEON_WS_PROXY ?? "", timeoutMs].join("\n"),
  };
  if (driver?.settings.key !== settings.key) {
    // The driver reads its endpoints and fetch from its global `neonConfig` at query time. They are written before the
    // first query after the settings change, not on every request: in a deployed isolate they never change.
    wanted = settings;
    driver = { settings, sql: lazyNeon(env.DATABASE_URL) };
  }
  return driver.sql;
}

/**
 * A query function for `url` that loads the Neon driver on its first query. The driver is a large module that most
 * requests (tools/list, initialize, anything answered from Redis) never use: loading it on first use keeps it off every
 * isolate's start-up. Builds no connection and does no I/O; the endpoints and timeout are the ones {@link createSql}
 * set for the Worker.
 */
export function lazyNeon(url: string): Sql {
  // The query function once built, never a pending promise of it (see loadDriver).
  let sql: NeonQueryFunction<false, false> | undefined;
  const open = async (): Promise<NeonQueryFunction<false, false>> => {
    const driver = await loadDriver();
    sql ??= driver.neon(url);
    return sql;
  };
  return {
    query: ((text: string, params?: unknown[], opts?: unknown) =>
      deferredQuery(text, params, opts, async () => (await open()).query(text, params, opts as never))) as Sql["query"],
    transaction: (async (queries: unknown, opts?: unknown) => {
      const real = await open();
      if (typeof queries === "function") throw new TypeError("lazyNeon: transaction takes an array of its own queries");
      const statements = (queries as NeonQueryPromise<false, false>[]).map((q) => {
        const { query, params } = q.queryData as { query: string; params: unknown[] };
        return real.query(query, params, q.opts as never);
      });
      return real.transaction(statements, opts as never);
    }) as Sql["transaction"],
  };
}

/**
 * A query that runs when awaited (as Neon's own do) and otherwise only says what it is, so `transaction` can take it.
 * Typed as Neon's query promise: `queryData` and `opts` are what {@link lazyNeon}'s `transaction` reads of one.
 */
function deferredQuery(
  query: string,
  params: unknown[] | undefined,
  opts: unknown,
  run: () => Promise<unknown>,
): NeonQueryPromise<false, false> {
  let started: Promise<unknown> | undefined;
  const result = (): Promise<unknown> => {
    started ??= run();
    return started;
  };
  return {
    queryData: { query, params: params ?? [] },
    opts,
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, like the driver's own query promise.
    then: (onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) =>
      result().then(onFulfilled, onRejected),
    catch: (onRejected?: (e: unknown) => unknown) => result().catch(onRejected),
    finally: (onFinally?: () => void) => result().finally(onFinally),
    [Symbol.toStringTag]: "NeonQueryPromise",
  } as unknown as NeonQueryPromise<false, false>;
}

type NeonModule = typeof import("@neondatabase/serverless");

// Module scope, shared by every request (and so every tenant) of the isolate. Safe because nothing in it is per
// request or per tenant: the endpoint settings, the Worker role's connection string and stateless query functions.
// The tenant is bound per transaction (`set_config('app.tenant_id', ..., true)` in tenant-db.ts), and a request's
// abort signal travels with each call. Keyed by the settings so that an isolate given another env (tests do this)
// configures the driver again instead of using the last one's.
let driver: { settings: Settings; sql: Sql } | undefined;
let wanted: Settings | undefined;
let applied: string | undefined;

interface Settings {
  env: DbEnv;
  timeoutMs: number;
  /** Everything above as one string, to tell settings apart. */
  key: string;
}

const loadNeon = lazyModule(() => import("@neondatabase/serverless"));

/** The driver module (loaded once per isolate, src/lazy.ts), configured with the latest settings of {@link createSql}. */
async function loadDriver(): Promise<NeonModule> {
  const module = await loadNeon();
  configure(module);
  return module;
}

/** Writes the wanted settings to the driver's global config, once per change. */
function configure(module: NeonModule): void {
  if (!wanted || applied === wanted.key) return;
  applied = wanted.key;
  pointDriverAtLocalCloud(module.neonConfig, wanted.env);
  module.neonConfig.fetchFunction = boundedFetch(wanted.timeoutMs);
}

type Fetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) => Promise<Response>;

/** `fetch` that aborts after `timeoutMs`, as well as when the caller's own signal (a cancelled request) aborts. */
function boundedFetch(timeoutMs: number): Fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  };
}

/** Applies the local-cloud endpoints to the driver's global config, when they are set. */
function pointDriverAtLocalCloud(config: NeonModule["neonConfig"], env: Omit<DbEnv, "DATABASE_URL">): void {
  if (env.LOCAL_NEON_HTTP_ENDPOINT) config.fetchEndpoint = env.LOCAL_NEON_HTTP_ENDPOINT;
  if (env.LOCAL_NEON_WS_PROXY) {
    const proxy = env.LOCAL_NEON_WS_PROXY;
    config.wsProxy = () => proxy;
    config.useSecureWebSocket = false;
    // The default sends the password before the server asks, which trust auth rejects.
    config.pipelineConnect = false;
  }
}
