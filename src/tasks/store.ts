import type { Redis } from "@upstash/redis/cloudflare";
import type { Credential } from "../auth/principal.ts";
import { taskIndexKey, taskKey } from "../redis/keys.ts";
import { isTerminal, type TaskRecord } from "./types.ts";

type TaskRedis = Pick<Redis, "eval" | "get">;

/** The owner string of a task created with `credential` (see {@link TaskRecord.owner}). */
export function taskOwner(credential: Credential): string {
  return `${credential.kind}:${credential.id}`;
}

// Atomic: drop the tenant's expired tasks from its index, count the rest, and store the new task only below the limit,
// so parallel creations cannot pass it together. KEYS: index, record. ARGV: now, expiry (ms), ttl (ms), limit, id, JSON.
const CREATE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

// Stores a new version of a task unless the stored one is terminal or gone (a cancelled or expired task stays so,
// whatever a still-running tool writes afterwards), or, when ARGV[2] names the version the change was made from,
// unless another write came first (-1: read again and redo). Keeps the record's expiry. KEYS: record. ARGV: JSON,
// expected version or ''.
const SAVE = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local stored = cjson.decode(cur)
local status = stored.status
if status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end
if ARGV[2] ~= '' and tostring(stored.version or 0) ~= ARGV[2] then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 1`;

/** The outcome of {@link TaskStore.save}: stored; not stored (terminal or expired); or another write came first. */
export type SaveOutcome = "saved" | "final" | "conflict";

/**
 * A tenant's tasks in Redis. Every read names the tenant in the key and checks the credential inside the record, so
 * another tenant's or another credential's task id reads as unknown. Records expire with their task (`ttlMs`).
 */
export class TaskStore {
  constructor(
    private readonly redis: TaskRedis,
    private readonly tenantId: string,
  ) {}

  /**
   * Stores a new task, unless the tenant already holds `limit` unexpired tasks.
   * @returns false at the limit.
   * @throws when Redis fails.
   */
  async create(task: TaskRecord, limit: number, now: number): Promise<boolean> {
    const created = await this.redis.eval<(string | number)[], number>(
      CREATE,
      [taskIndexKey(this.tenantId), taskKey(this.tenantId, task.id)],
      [now, now + task.ttlMs, task.ttlMs, limit, task.id, JSON.stringify(task)],
    );
    return created === 1;
  }

  /**
   * The task `id` of this tenant, when `owner` created it and it has not expired.
   * @throws when Redis fails.
   */
  async get(id: string, owner?: string): Promise<TaskRecord | undefined> {
    // Task ids are UUIDs: anything else names no task (and never the index key).
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const task = await this.redis.get<TaskRecord>(taskKey(this.tenantId, id));
    if (!task || (owner !== undefined && task.owner !== owner)) return undefined;
    return task;
  }

  /**
   * Stores `task` over its previous version, unless that one is terminal or expired. With `from` (the version the
   * change was computed from), also unless another write came first: a read-modify-write such as `tasks/update`
   * merging answers then reads again and redoes its change, so two partial answers never lose one another.
   * @throws when Redis fails.
   */
  async save(task: TaskRecord, from?: number): Promise<SaveOutcome> {
    const next = { ...task, version: (task.version ?? 0) + 1 };
    const saved = await this.redis.eval<string[], number>(
      SAVE,
      [taskKey(this.tenantId, task.id)],
      [JSON.stringify(next), from === undefined ? "" : String(from)],
    );
    return saved === 1 ? "saved" : saved === -1 ? "conflict" : "final";
  }
}

/** `task` moved to `status` at `now` (a terminal task is returned as it is). */
export function transition(task: TaskRecord, change: Partial<TaskRecord>, now: number): TaskRecord {
  if (isTerminal(task.status)) return task;
  return { ...task, ...change, lastUpdatedAt: now };
}
