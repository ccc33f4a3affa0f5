import { isSealingKey } from "./crypto/secret-box.ts";

/** The Worker's configuration, parsed and validated from its env vars. */
export interface Config {
  /** Origins allowed to call `/mcp` from a browser; a request without `Origin` is not affected. */
  allowedOrigins: ReadonlySet<string>;
  /**
   * Also allow browser origins on this machine (`localhost`, `127.0.0.1`, `[::1]`, any port), e.g. the Inspector's
   * direct mode (default false; the local stack of `npm run dev` sets it).
   */
  allowLocalhostOrigins: boolean;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBodyBytes: number;
  /** Idle lifetime of a session; every use refreshes it (default 3600). */
  sessionTtlSeconds: number;
  /**
   * Most live sessions one tenant may hold (default 1000). An `initialize` past it ends the tenant's
   * longest-idle session, so a leaking client churns its own tenant's sessions and nobody else's.
   */
  sessionMaxPerTenant: number;
  /**
   * Longest wait of a session-lane tool call for its client's answer to a request it sent mid-call (sampling,
   * elicitation, roots), in ms (default 60000). Past it the call ends with an `isError` result and a later answer
   * is refused. Waiting costs no CPU; it costs about one Redis command a second (src/rendezvous/wait.ts).
   */
  clientAnswerTimeoutMs: number;
  /**
   * Most notification streams (session lane `GET /mcp`, 2026-07-28 `subscriptions/listen`) one tenant may hold open at
   * once (default 20): one more is refused with 429. Counted in Redis with an expiry (src/streams/slots.ts).
   */
  streamMaxPerTenant: number;
  /** Most notification streams one session may hold open at once (default 2): a reconnect may overlap the old one. */
  streamMaxPerSession: number;
  /** A notification stream that delivered nothing for this long ends (default 300); the client reconnects. */
  streamIdleSeconds: number;
  /** Longest pause between two polls of an idle stream's tenant events, in ms (default 2000): the idle cost bound. */
  streamPollMaxMs: number;
  /** Largest `initialize` request body, in bytes (default 8192): 413 past it. */
  initializeMaxBytes: number;
  /**
   * A request header that a proxy in front of the Worker sets on every request (e.g. `cf-ray`), lower-cased, whose
   * value becomes the request id when it is plain. Default none: every request id is minted. Name only a header the
   * proxy overwrites, or clients choose their own ids again.
   */
  trustedRequestIdHeader: string | undefined;
  /** Rate limiter policy when Redis fails or is slow (default "open"). */
  rateLimitOnError: "open" | "closed";
  /** How long the rate limiter may take before the policy applies (default 300). */
  rateLimitTimeoutMs: number;
  /** How long a verified API-key lookup is cached in Redis (default 30). Revocation invalidates it at once. */
  apiKeyCacheTtlSeconds: number;
  /** Longest wait for one Redis request, in ms, before it fails as unavailable (default 1000). */
  redisTimeoutMs: number;
  /** Longest wait for one Postgres request, in ms, before it fails as unavailable (default 10000). */
  dbTimeoutMs: number;
  /**
   * Most workspaces one tenant may have, archived ones included (default 100): `create_workspace` refuses beyond it,
   * so no tenant can fill the shared database with them. The admin CLI is not bound by it.
   */
  maxWorkspacesPerTenant: number;
  /**
   * How long `GET /healthz` answers every caller in an isolate from one probe of Postgres and Redis, in ms, counted
   * from when the probe started; callers during the probe wait for it (default 1000).
   */
  healthzCacheMs: number;
  /**
   * Audit rows per flush batch (AUDIT_FLUSH_BATCH_SIZE, default 100): one insert statement moves this many rows from
   * the Redis queue to Postgres, and the request whose row fills a batch flushes it (src/audit/sink.ts).
   */
  auditFlushBatchSize: number;
  /**
   * How long a `tools/call`'s audit row may wait in the isolate for the next warm admission to carry it to Redis, in
   * ms (AUDIT_LINGER_MS, default 1000; 0: written right after the response, one command per row). Under load rows ride
   * in commands that go out anyway; an idle isolate writes them after this, in one command (src/audit/sink.ts).
   */
  auditLingerMs: number;
  /**
   * The server-side secret (API_KEY_PEPPER, required, no default) that API-key secrets are hashed with (HMAC-SHA-256)
   * and that seals 2026-07-28 request state. A secret: it never goes into a log line or a response.
   */
  apiKeyPepper: string;
  /**
   * The parent domain of per-tenant host names (TENANT_HOST_SUFFIX, e.g. `mcp.example.com`; default none: any host
   * serves every tenant). When set, a key presented on `<slug>.<suffix>` must belong to tenant `<slug>`.
   */
  tenantHostSuffix: string | undefined;
  /**
   * The public origin of the Worker (PUBLIC_BASE_URL, e.g. `https://mcp.example.com`; lower-cased, no path, no trailing
   * slash; default none). It names the canonical MCP resource (`<origin>/mcp`) that OAuth tokens are bound to and that
   * the protected resource metadata announces; a request's own Host or `X-Forwarded-*` headers never do. Without it,
   * OAuth is off outside tenant hosts.
   */
  publicBaseUrl: string | undefined;
  /**
   * The secret (LOGIN_SECRET_KEY: 32 bytes in base64url) that tenants' OpenID Connect client secrets are sealed with
   * (AES-256-GCM, src/crypto/secret-box.ts). Default none: sign-in through a tenant's provider then fails with
   * 503, everything else works. A secret: it never goes into a log line or a response.
   */
  loginSecretKey: string | undefined;
  /**
   * The secret (DATA_SECRET_KEY: 32 bytes in base64url) that dedicated tenant databases' connection strings are sealed
   * with (the database isolation tier, src/db/tenant-data.ts). Default none: tenants on their own database then fail
   * with 503, every other tenant works. A secret: it never goes into a log line or a response.
   */
  dataSecretKey: string | undefined;
  /**
   * Lifetime of an OAuth access token issued by the embedded authorization server, in seconds
   * (OAUTH_ACCESS_TOKEN_TTL_SECONDS, default 3600, at least 60: the storage's shortest expiry).
   */
  oauthAccessTokenTtlSeconds: number;
  /**
   * The owner role's login (OPERATOR_DATABASE_URL, optional secret; default none), which the operator API
   * (/admin/api/v1) runs the control plane's operations with, exactly as the admin CLI does with its DATABASE_URL.
   * Without it the operator API answers 503 and nothing else changes; tenant requests never use it. A secret: it never
   * goes into a log line or a response.
   */
  operatorDatabaseUrl: string | undefined;
  /** Requests per minute one operator token may make to the operator API (OPERATOR_RATE_LIMIT_PER_MINUTE, default 120). */
  operatorRateLimitPerMinute: number;
  /**
   * How long a task (MCP tasks extension, src/tasks/) stays readable after it was created, in seconds
   * (TASK_TTL_SECONDS, default 3600): its record and result expire with it, and a task still running then is ended.
   */
  taskTtlSeconds: number;
  /**
   * Most tasks one tenant may hold at once, finished ones included until they expire (TASK_MAX_PER_TENANT, default
   * 100): a task-augmented call past it is refused with a protocol error naming the limit.
   */
  taskMaxPerTenant: number;
}

type ConfigEnv = Pick<
  Env,
  | "ALLOWED_ORIGINS"
  | "ALLOW_LOCALHOST_ORIGINS"
  | "MAX_BODY_BYTES"
  | "SESSION_TTL_SECONDS"
  | "RATE_LIMIT_ON_ERROR"
  | "RATE_LIMIT_TIMEOUT_MS"
  | "API_KEY_CACHE_TTL_SECONDS"
  | "REDIS_TIMEOUT_MS"
  | "DB_TIMEOUT_MS"
  | "MAX_WORKSPACES_PER_TENANT"
  | "SESSION_MAX_PER_TENANT"
  | "CLIENT_ANSWER_TIMEOUT_MS"
  | "STREAM_MAX_PER_TENANT"
  | "STREAM_MAX_PER_SESSION"
  | "STREAM_IDLE_SECONDS"
  | "STREAM_POLL_MAX_MS"
  | "INITIALIZE_MAX_BYTES"
  | "TRUSTED_REQUEST_ID_HEADER"
  | "HEALTHZ_CACHE_MS"
  | "AUDIT_FLUSH_BATCH_SIZE"
  | "AUDIT_LINGER_MS"
  | "API_KEY_PEPPER"
  | "TENANT_HOST_SUFFIX"
  | "PUBLIC_BASE_URL"
  | "LOGIN_SECRET_KEY"
  | "DATA_SECRET_KEY"
  | "OAUTH_ACCESS_TOKEN_TTL_SECONDS"
  | "OPERATOR_RATE_LIMIT_PER_MINUTE"
  | "TASK_TTL_SECONDS"
  | "TASK_MAX_PER_TENANT"
> & {
  // An optional secret: `wrangler types` declares only the required ones (wrangler.toml [secrets]).
  OPERATOR_DATABASE_URL?: string;
};

// The env object is the same for every request of an isolate: parse it once.
const cache = new WeakMap<object, Config>();

/** Parses the env vars; throws on an invalid value, so a misconfiguration fails loudly on the first request. */
export function loadConfig(env: ConfigEnv): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const onError = env.RATE_LIMIT_ON_ERROR || "open";
  if (onError !== "open" && onError !== "closed")
    throw new Error(`RATE_LIMIT_ON_ERROR must be "open" or "closed", got "${onError}"`);
  const config: Config = Object.freeze({
    allowedOrigins: new Set(
      (env.ALLOWED_ORIGINS ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    allowLocalhostOrigins: flag(env.ALLOW_LOCALHOST_ORIGINS, "ALLOW_LOCALHOST_ORIGINS"),
    maxBodyBytes: positiveInt(env.MAX_BODY_BYTES, 1_048_576, "MAX_BODY_BYTES"),
    sessionTtlSeconds: positiveInt(env.SESSION_TTL_SECONDS, 3600, "SESSION_TTL_SECONDS"),
    sessionMaxPerTenant: positiveInt(env.SESSION_MAX_PER_TENANT, 1000, "SESSION_MAX_PER_TENANT"),
    clientAnswerTimeoutMs: positiveInt(env.CLIENT_ANSWER_TIMEOUT_MS, 60_000, "CLIENT_ANSWER_TIMEOUT_MS"),
    streamMaxPerTenant: positiveInt(env.STREAM_MAX_PER_TENANT, 20, "STREAM_MAX_PER_TENANT"),
    streamMaxPerSession: positiveInt(env.STREAM_MAX_PER_SESSION, 2, "STREAM_MAX_PER_SESSION"),
    streamIdleSeconds: positiveInt(env.STREAM_IDLE_SECONDS, 300, "STREAM_IDLE_SECONDS"),
    streamPollMaxMs: positiveInt(env.STREAM_POLL_MAX_MS, 2000, "STREAM_POLL_MAX_MS"),
    initializeMaxBytes: positiveInt(env.INITIALIZE_MAX_BYTES, 8192, "INITIALIZE_MAX_BYTES"),
    trustedRequestIdHeader: env.TRUSTED_REQUEST_ID_HEADER?.trim().toLowerCase() || undefined,
    rateLimitOnError: onError,
    rateLimitTimeoutMs: positiveInt(env.RATE_LIMIT_TIMEOUT_MS, 300, "RATE_LIMIT_TIMEOUT_MS"),
    apiKeyCacheTtlSeconds: positiveInt(env.API_KEY_CACHE_TTL_SECONDS, 30, "API_KEY_CACHE_TTL_SECONDS"),
    redisTimeoutMs: positiveInt(env.REDIS_TIMEOUT_MS, 1000, "REDIS_TIMEOUT_MS"),
    dbTimeoutMs: positiveInt(env.DB_TIMEOUT_MS, 10_000, "DB_TIMEOUT_MS"),
    maxWorkspacesPerTenant: positiveInt(env.MAX_WORKSPACES_PER_TENANT, 100, "MAX_WORKSPACES_PER_TENANT"),
    healthzCacheMs: positiveInt(env.HEALTHZ_CACHE_MS, 1000, "HEALTHZ_CACHE_MS"),
    auditFlushBatchSize: positiveInt(env.AUDIT_FLUSH_BATCH_SIZE, 100, "AUDIT_FLUSH_BATCH_SIZE"),
    auditLingerMs: nonNegativeInt(env.AUDIT_LINGER_MS, 1000, "AUDIT_LINGER_MS"),
    apiKeyPepper: env.API_KEY_PEPPER,
    tenantHostSuffix: env.TENANT_HOST_SUFFIX || undefined,
    publicBaseUrl: origin(env.PUBLIC_BASE_URL, "PUBLIC_BASE_URL"),
    loginSecretKey: sealingKey(env.LOGIN_SECRET_KEY, "LOGIN_SECRET_KEY"),
    dataSecretKey: sealingKey(env.DATA_SECRET_KEY, "DATA_SECRET_KEY"),
    oauthAccessTokenTtlSeconds: atLeast(
      positiveInt(env.OAUTH_ACCESS_TOKEN_TTL_SECONDS, 3600, "OAUTH_ACCESS_TOKEN_TTL_SECONDS"),
      60,
      "OAUTH_ACCESS_TOKEN_TTL_SECONDS",
    ),
    operatorDatabaseUrl: env.OPERATOR_DATABASE_URL || undefined,
    operatorRateLimitPerMinute: positiveInt(env.OPERATOR_RATE_LIMIT_PER_MINUTE, 120, "OPERATOR_RATE_LIMIT_PER_MINUTE"),
    taskTtlSeconds: positiveInt(env.TASK_TTL_SECONDS, 3600, "TASK_TTL_SECONDS"),
    taskMaxPerTenant: positiveInt(env.TASK_MAX_PER_TENANT, 100, "TASK_MAX_PER_TENANT"),
  });
  cache.set(env, config);
  return config;
}

function sealingKey(raw: string | undefined, name: string): string | undefined {
  if (!raw) return undefined;
  // The value is a secret: the message never quotes it.
  if (!isSealingKey(raw)) throw new Error(`${name} must be 32 random bytes in base64url (43 characters)`);
  return raw;
}

function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  throw new Error(`${name} must be "true" or "false", got "${raw}"`);
}

/** An http(s) origin, normalised (lower-case, no trailing slash); a path, query or fragment is refused. */
function origin(raw: string | undefined, name: string): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an http(s) origin such as https://mcp.example.com, got "${raw}"`);
  }
  const bare = (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash && !url.username;
  if ((url.protocol !== "https:" && url.protocol !== "http:") || !bare)
    throw new Error(`${name} must be an http(s) origin such as https://mcp.example.com, got "${raw}"`);
  return url.origin;
}

function atLeast(n: number, min: number, name: string): number {
  if (n < min) throw new Error(`${name} must be at least ${min}, got "${n}"`);
  return n;
}

function nonNegativeInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of 0 or more, got "${raw}"`);
  return n;
}

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}
