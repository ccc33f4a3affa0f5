/**
 * Which Upstash database (shard) holds what. Every Redis client of the Worker and of the admin CLI is made here, so
 * the placement rule lives in one place (see STORAGE.md beside this file):
 *
 * - a tenant's state (rate limit, monthly quota, sessions, revocation markers, pending sign-ins, audit queue, tenant
 *   cache entry) lives on the shard of its tenant id;
 * - an API key's cache entry lives on the shard of its key id: it is read before the tenant is known.
 *
 * The shard of an id is picked by rendezvous hashing (highest random weight) over the shards' positions in the list:
 * stable across isolates and deploys, and appending a shard moves only the ids the new shard wins (about 1/N of
 * them), never an id from one old shard to another, which keeps a reshard's copy small (scripts/admin/reshard.ts).
 * One shard (the single-database variables) is the same placement as before shards existed.
 */

/** One Upstash database, as `UPSTASH_SHARDS` lists it. */
export interface ShardEndpoint {
  url: string;
  token: string;
}

/** The env variables the shard list is read from. */
export interface ShardEnv {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** JSON list of `{url, token}`; when set and not empty, it replaces the two single-database variables. */
  UPSTASH_SHARDS?: string;
  /**
   * During a reshard only (docs/redis-shards.md, "Resharding"): the list before it, so a session still on its tenant's old shard is
   * found there ({@link RedisShards.previousForTenant}). Unset otherwise.
   */
  UPSTASH_SHARDS_PREVIOUS?: string;
}

/** The slice of {@link RedisShards} code that only touches one tenant's state needs. */
export interface TenantShards<C> {
  /** The client of the shard holding `tenantId`'s state. */
  forTenant(tenantId: string): C;
}

/** The slice of {@link RedisShards} code that only touches API keys' cache entries needs. */
export interface KeyShards<C> {
  /** The client of the shard holding the cache entry of API key `keyId`. */
  forKey(keyId: string): C;
}

/** The Redis databases of a deployment, each reached through its own client (made on first use, no I/O before). */
export interface RedisShards<C> extends TenantShards<C>, KeyShards<C> {
  /** How many shards there are (1: no sharding). */
  readonly count: number;
  /** The client of shard `index` (0-based, in the list's order). */
  at(index: number): C;
  /** Shard index of a tenant's state. */
  tenantShard(tenantId: string): number;
  /** Shard index of a key's cache entry. */
  keyShard(keyId: string): number;
  /**
   * During a reshard: the client of `tenantId`'s shard in the previous list, when that is another database than its
   * shard now; else (and without a previous list) `undefined`.
   */
  previousForTenant(tenantId: string): C | undefined;
}

/**
 * The shard list: `UPSTASH_SHARDS` when set (a JSON list of `{url, token}`, at least one), else the single database of
 * `UPSTASH_REDIS_REST_URL` / `UPSTASH_REDIS_REST_TOKEN` as a list of one.
 * @throws Error when `UPSTASH_SHARDS` is not such a list (the message never quotes a token).
 */
export function shardEndpoints(env: ShardEnv): ShardEndpoint[] {
  const raw = env.UPSTASH_SHARDS?.trim();
  if (!raw) return [{ url: env.UPSTASH_REDIS_REST_URL ?? "", token: env.UPSTASH_REDIS_REST_TOKEN ?? "" }];
  return parseShardList(raw, "UPSTASH_SHARDS");
}

/**
 * Parses a JSON list of `{url, token}` (the form of `UPSTASH_SHARDS` and of `redis reshard --to`).
 * @throws Error naming `what` when it is not a non-empty list of http(s) URLs with tokens, or lists a URL twice.
 */
export function parseShardList(raw: string, what: string): ShardEndpoint[] {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new Error(`${what} must be a JSON list of {"url", "token"} (not valid JSON)`);
  }
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${what} must be a non-empty JSON list`);
  const out = list.map((item, i): ShardEndpoint => {
    const { url, token } = (item ?? {}) as Record<string, unknown>;
    if (typeof url !== "string" || !/^https?:\/\/[^\s]+$/.test(url) || typeof token !== "string" || token === "")
      throw new Error(`${what}[${i}] must be {"url": "https://...", "token": "..."}`);
    return { url: url.replace(/\/+$/, ""), token };
  });
  // The same database twice would split one tenant's state between two "shards" that are one.
  if (new Set(out.map((s) => s.url)).size !== out.length) throw new Error(`${what} lists a URL twice`);
  return out;
}

/**
 * The shard (0 to `count` - 1) of `id`: the position with the highest weight `hash(position, id)`. A pure function of
 * its arguments, the same in the Worker, the CLI and every deploy; a storage format like the key shapes of keys.ts
 * (test/node/redis-shards.test.ts pins a few values).
 */
export function shardOf(id: string, count: number): number {
  if (count <= 1) return 0;
  let best = 0;
  let bestWeight = -1;
  for (let i = 0; i < count; i++) {
    const weight = mix(fnv1a(`${i}:${id}`));
    if (weight > bestWeight) {
      best = i;
      bestWeight = weight;
    }
  }
  return best;
}

/**
 * The shards of `endpoints`, each client made by `connect` on first use and kept for the life of this object (a
 * request's, in the Worker; the CLI's run).
 */
export function createShards<C>(
  endpoints: readonly ShardEndpoint[],
  connect: (e: ShardEndpoint) => C,
  /** The list before a reshard in progress (`UPSTASH_SHARDS_PREVIOUS`). Default none. */
  previous: readonly ShardEndpoint[] = [],
): RedisShards<C> {
  if (endpoints.length === 0) throw new Error("no Redis shard configured");
  const clients = new Map<number, C>();
  const others = new Map<string, C>();
  const at = (index: number): C => {
    const endpoint = endpoints[index];
    if (!endpoint) throw new Error(`no Redis shard ${index} (of ${endpoints.length})`);
    let client = clients.get(index);
    if (client === undefined) {
      client = connect(endpoint);
      clients.set(index, client);
    }
    return client;
  };
  const count = endpoints.length;
  return {
    count,
    at,
    tenantShard: (tenantId) => shardOf(tenantId, count),
    keyShard: (keyId) => shardOf(keyId, count),
    forTenant: (tenantId) => at(shardOf(tenantId, count)),
    forKey: (keyId) => at(shardOf(keyId, count)),
    previousForTenant: (tenantId) => {
      if (previous.length === 0) return undefined;
      const before = previous[shardOf(tenantId, previous.length)] as ShardEndpoint;
      if (before.url === endpoints[shardOf(tenantId, count)]?.url) return undefined;
      const current = endpoints.findIndex((e) => e.url === before.url);
      if (current >= 0) return at(current);
      let client = others.get(before.url);
      if (client === undefined) {
        client = connect(before);
        others.set(before.url, client);
      }
      return client;
    },
  };
}

/** One client as a list of one shard: for tests and tools that hold a single client. */
export function singleShard<C>(client: C): RedisShards<C> {
  return createShards([{ url: "http://single", token: "single" }], () => client);
}

/** Every shard's client, in order. */
export function allShards<C>(shards: Pick<RedisShards<C>, "count" | "at">): C[] {
  return Array.from({ length: shards.count }, (_, i) => shards.at(i));
}

/** FNV-1a, 32 bits, over UTF-16 code units (ids are ASCII). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3's finalizer: FNV-1a alone spreads ids that differ only in their last characters poorly. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
