/**
 * `redis reshard`: moves per-tenant Redis state from one shard list to another (README, "Resharding"). Two passes
 * around the deploy that switches `UPSTASH_SHARDS`:
 *
 * 1. `copy` (before the deploy): every key of a tenant whose shard changes is copied to its new shard with its TTL;
 *    nothing is deleted, the Worker keeps using the old list. A counter (rate-limit window, monthly count) gets a
 *    base marker beside its copy ({@link reshardBaseKey}): the value copied.
 * 2. `finish` (once every isolate runs the new list, a minute after the deploy): copies again what changed on the old
 *    shards since (sessions and their index, the newer wins; pending sign-ins and revocations when missing), adds to
 *    each counter what the old shard counted since its copy (old value less the base), moves audit queues, then
 *    deletes the moved keys from the old shards.
 *
 * Between the deploy and `finish` a tenant's counts are split (old isolates on the old shard, new ones on the new):
 * it can get past its limit by at most one window, and `finish` adds the counts up. No I/O beyond the clients given;
 * runs with any @upstash/redis client made with `automaticDeserialization: false` (values are copied as they are).
 */
import type { Redis } from "@upstash/redis";
import { QUEUE_TTL_SECONDS } from "../../src/audit/flush.ts";
import { auditTenantsKey, reshardBaseKey } from "../../src/redis/keys.ts";
import { shardOf, type ShardEndpoint } from "../../src/redis/shards.ts";

/** The commands a reshard runs on a shard. */
export type ReshardRedis = Pick<
  Redis,
  | "scan"
  | "type"
  | "pttl"
  | "get"
  | "set"
  | "del"
  | "zrange"
  | "zadd"
  | "pexpire"
  | "incrby"
  | "sadd"
  | "srem"
  | "eval"
  | "rpush"
>;

/** What one pass did, summed over the old shards. */
export interface ReshardReport {
  pass: "copy" | "finish";
  /** Keys read on the old shards. */
  scanned: number;
  /** Keys of tenants whose shard changes, copied (or merged) to their new shard. */
  moved: number;
  /** Keys deleted from the old shards (`finish`). */
  deleted: number;
  /** Revocation markers of grants copied to shards that lacked them. */
  grants: number;
  /** Keys left as they are: caches (they refill from Postgres), and state already on its shard. */
  kept: number;
  /** Keys this version does not know (left in place), e.g. written by a newer release. */
  unknown: string[];
}

/** How a key's copy merges with what its new shard holds. */
type Merge = "session" | "index" | "counter" | "once" | "latest" | "audit";

/** One key's family, as its name says (src/redis/keys.ts). */
type Family =
  | { kind: "tenant"; tenantId: string; as: Merge }
  | { kind: "grant" }
  | { kind: "cache" }
  | { kind: "unknown" };

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** The family of `key`: which id places it, and how a copy merges with what the new shard holds. */
export function familyOf(key: string): Family {
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^tmcp:sess:(${UUID}):live$`).exec(key))) return { kind: "tenant", tenantId: m[1]!, as: "index" };
  if ((m = new RegExp(`^tmcp:sess:(${UUID}):`).exec(key))) return { kind: "tenant", tenantId: m[1]!, as: "session" };
  if ((m = new RegExp(`^tmcp:(?:rl|quota):(${UUID}):`).exec(key)))
    return { kind: "tenant", tenantId: m[1]!, as: "counter" };
  if ((m = new RegExp(`^tmcp:oidc:(${UUID}):`).exec(key))) return { kind: "tenant", tenantId: m[1]!, as: "once" };
  if ((m = new RegExp(`^tmcp:revoked:user:(${UUID}):`).exec(key)))
    return { kind: "tenant", tenantId: m[1]!, as: "latest" };
  if ((m = new RegExp(`^tmcp:audit:(${UUID})$`).exec(key))) return { kind: "tenant", tenantId: m[1]!, as: "audit" };
  if (key.startsWith("tmcp:revoked:grant:")) return { kind: "grant" };
  // Caches refill from Postgres; the set of tenants with audit rows is rebuilt per shard by the moves; base markers
  // are this command's own.
  if (/^tmcp:(key|tenant):/.test(key) || key === auditTenantsKey() || key.startsWith("tmcp:reshard:"))
    return { kind: "cache" };
  return { kind: "unknown" };
}

/** Options of {@link reshard}. */
export interface ReshardOptions {
  /** The shard list the Worker uses now (before the deploy) or used (for `finish`). */
  from: readonly ShardEndpoint[];
  /** The new shard list. */
  to: readonly ShardEndpoint[];
  pass: "copy" | "finish";
  /** A client of a shard, made with `automaticDeserialization: false`. */
  connect(endpoint: ShardEndpoint): ReshardRedis;
  /** Progress lines. */
  progress?(line: string): void;
}

/** Runs one pass (see the module comment). Throws on a Redis failure; running a pass again is safe. */
export async function reshard(o: ReshardOptions): Promise<ReshardReport> {
  const clients = new Map<string, ReshardRedis>();
  const client = (e: ShardEndpoint): ReshardRedis => {
    let c = clients.get(e.url);
    if (!c) {
      c = o.connect(e);
      clients.set(e.url, c);
    }
    return c;
  };
  const report: ReshardReport = { pass: o.pass, scanned: 0, moved: 0, deleted: 0, grants: 0, kept: 0, unknown: [] };
  for (const source of o.from) {
    const src = client(source);
    o.progress?.(`${o.pass}: reading ${source.url}`);
    let cursor: string | number = "0";
    do {
      const [next, keys]: [string | number, string[]] = await src.scan(cursor, { match: "tmcp:*", count: 500 });
      cursor = next;
      for (const key of keys) {
        report.scanned++;
        const family = familyOf(key);
        if (family.kind === "unknown") report.unknown.push(key);
        else if (family.kind === "cache") report.kept++;
        else if (family.kind === "grant") {
          for (const target of o.to)
            if (target.url !== source.url && (await copyIfMissing(src, client(target), key))) report.grants++;
        } else {
          const target = o.to[shardOf(family.tenantId, o.to.length)]!;
          if (target.url === source.url) {
            report.kept++;
            continue;
          }
          if (await move(src, client(target), key, family.tenantId, family.as, o.pass)) report.moved++;
          if (o.pass === "finish") {
            await src.del(key);
            report.deleted++;
          }
        }
      }
    } while (String(cursor) !== "0");
  }
  return report;
}

/** Copies or merges one key of a tenant to its new shard; false when there was nothing (it expired meanwhile). */
async function move(
  src: ReshardRedis,
  dst: ReshardRedis,
  key: string,
  tenantId: string,
  as: Merge,
  pass: "copy" | "finish",
): Promise<boolean> {
  if (as === "audit") return pass === "finish" ? moveAudit(src, dst, key, tenantId) : false;
  const ttl = await src.pttl(key);
  if (ttl === -2) return false;
  const px = ttl > 0 ? { px: ttl } : {};
  if (as === "index") {
    const flat = await src.zrange<string[]>(key, 0, -1, { withScores: true });
    for (let i = 0; i + 1 < flat.length; i += 2)
      await dst.zadd(key, { gt: true }, { score: Number(flat[i + 1]), member: String(flat[i]) });
    if (ttl > 0 && (await dst.pttl(key)) < ttl) await dst.pexpire(key, ttl);
    return true;
  }
  const value = await src.get<string>(key);
  if (value === null) return false;
  if (as === "counter") {
    const base = reshardBaseKey(key);
    if (pass === "copy") {
      await dst.set(key, value, px);
      await dst.set(base, value, px);
      return true;
    }
    // What the old shard counted since the copy (all of it, for a counter that began after the copy).
    const copied = await dst.get<string>(base);
    const delta = Number(value) - Number(copied ?? 0);
    if (delta !== 0) await dst.incrby(key, delta);
    if (ttl > 0 && (await dst.pttl(key)) < 0) await dst.pexpire(key, ttl);
    await dst.del(base);
    return true;
  }
  if (as === "session") {
    // Every use refreshes a session's TTL: the copy with more of it left was used last.
    const there = await dst.pttl(key);
    if (pass === "copy" || there === -2 || (ttl > 0 && ttl > there)) await dst.set(key, value, px);
    return true;
  }
  if (as === "latest") {
    // A user's revocation time: the later one refuses more grants.
    const there = await dst.get<string>(key);
    if (there === null || Number(value) > Number(there)) await dst.set(key, value, px);
    return true;
  }
  // Pending sign-ins (read once): never overwrite what the new shard has.
  await dst.set(key, value, ttl > 0 ? { px: ttl, nx: true } : { nx: true });
  return true;
}

/** Moves a tenant's audit queue: takes the old list whole (one script: no row appended in between is lost). */
async function moveAudit(src: ReshardRedis, dst: ReshardRedis, key: string, tenantId: string): Promise<boolean> {
  const rows = await src.eval<string[], string[]>(
    `local rows = redis.call("LRANGE", KEYS[1], 0, -1)
redis.call("DEL", KEYS[1])
redis.call("SREM", KEYS[2], ARGV[1])
return rows`,
    [key, auditTenantsKey()],
    [tenantId],
  );
  if (!rows.length) return false;
  await dst.rpush(key, ...rows);
  await dst.pexpire(key, QUEUE_TTL_SECONDS * 1000);
  await dst.sadd(auditTenantsKey(), tenantId);
  return true;
}

/** Sets `key` on `dst` as on `src` (value and TTL) unless `dst` has it; whether it did. */
async function copyIfMissing(src: ReshardRedis, dst: ReshardRedis, key: string): Promise<boolean> {
  const [value, ttl] = await Promise.all([src.get<string>(key), src.pttl(key)]);
  if (value === null) return false;
  return (await dst.set(key, value, ttl > 0 ? { px: ttl, nx: true } : { nx: true })) !== null;
}
