import type { Redis } from "@upstash/redis/cloudflare";
import type { RedisShards, ShardEndpoint } from "../redis/shards.ts";
import type { Sql } from "./owner-sql.ts";

/** The Redis commands the admin operations use, on any one shard. */
export type AdminRedis = Pick<Redis, "set" | "del" | "scan" | "smembers" | "llen" | "mget" | "eval" | "evalsha">;

/** What the admin operations need: the database (owner or admin login), Redis, and the API-key pepper. */
export interface AdminDeps {
  sql: Sql;
  /**
   * The Worker's Redis shards (src/redis/shards.ts), each command sent to the shard of what it touches: to invalidate
   * the Worker's cached key lookups, to clear a deleted tenant's sessions and counters, and to read the audit rows
   * waiting for the flush and the monthly quota counters.
   */
  shards: RedisShards<AdminRedis>;
  /** The shard list `shards` was made from (`redis reshard` compares it with the new one). Default: unknown. */
  redisEndpoints?: readonly ShardEndpoint[];
  /** The Worker's API_KEY_PEPPER: keys minted with another pepper would never verify. */
  pepper: string;
  /**
   * The Worker's LOGIN_SECRET_KEY, which tenants' OpenID Connect client secrets are sealed with (`tenant login`).
   * Default none: commands that store such a secret refuse to run.
   */
  loginSecretKey?: string;
  /**
   * The OAuth authorization server's storage (the Worker's OAUTH_KV namespace), for listing grants and deleting
   * revoked ones. Absent: revocation still takes effect at once (Redis markers), and `grant list` says it cannot list.
   */
  grants?: GrantStorage;
  /**
   * The main database's admin login and DATA_SECRET_KEY, for the commands that create, move or drop a tenant's schema
   * or database (scripts/tenant-data/). Absent: those commands say what to set.
   */
  dataAdmin?: { adminDatabaseUrl: string; dataSecretKey: string };
}

/** The slice of a KV namespace the grant commands use: listing keys by prefix (with their metadata) and deleting. */
export interface GrantStorage {
  list(prefix: string): Promise<{ name: string; metadata?: unknown; expiration?: number }[]>;
  delete(name: string): Promise<void>;
}

/** A tenant as the CLI shows it. Times are ISO 8601. */
export interface TenantView {
  id: string;
  slug: string;
  name: string;
  plan: string;
  /** Effective features: the plan's, plus `featuresAdd`, minus `featuresRemove`. */
  features: string[];
  featuresAdd: string[];
  featuresRemove: string[];
  rateLimitPerMinute: number;
  /**
   * Tool calls per calendar month (UTC) in effect: the tenant's own (`config.monthlyQuota`) or its plan's; `null`:
   * unlimited.
   */
  monthlyQuota: number | null;
  status: string;
  config: Record<string, unknown>;
  /** Keys that work now (not revoked, not expired; keys in a rotation grace period count). */
  activeKeys: number;
  createdAt: string;
  updatedAt: string;
  /** Where its data tables are (docs/isolation.md): public, a schema of its own, or a database of its own. */
  isolation: "shared" | "schema" | "database";
  /** Its schema on the schema tier (`tenant_<id hex>`); null otherwise. The database tier's URL is never shown. */
  dataSchema: string | null;
  /** Set while `tenant move` moves its data (its writes get 503 meanwhile); null otherwise. */
  dataMovingSince: string | null;
}

/** Where a key stands. `rotating`: replaced, and still valid until its grace period ends (`revokedAt`). */
export type KeyStatus = "active" | "rotating" | "revoked" | "expired";

/** An API key as the CLI shows it: never the secret nor its hash. Times are ISO 8601 or null. */
export interface KeyView {
  id: string;
  name: string | null;
  /** What the key may do: `mcp:read`, `mcp:write` (src/auth/scopes.ts). */
  scopes: string[];
  status: KeyStatus;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}
