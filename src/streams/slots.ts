import type { Redis } from "@upstash/redis/cloudflare";
import { HttpError } from "../http/errors.ts";
import { streamSlotsKey } from "../redis/keys.ts";
import { runKnownScript } from "../redis/script.ts";
import { OPEN_SLOT, OPEN_SLOT_SHA } from "./scripts.ts";

/** The Redis commands slots use. */
export type SlotRedis = Pick<Redis, "eval" | "evalsha" | "zrem">;

/** The limits and clock slots are taken under (from Config). */
export interface SlotLimits {
  streamMaxPerTenant: number;
  streamMaxPerSession: number;
  streamPollMaxMs: number;
}

/**
 * How long a slot lives unless its stream renews it (every poll does): three of the longest pauses between polls,
 * and at least 30 s, so a slow poll never loses a live stream its slot, while a dead isolate's slot frees within
 * about a minute.
 */
export function slotLeaseMs(limits: Pick<SlotLimits, "streamPollMaxMs">): number {
  return Math.max(30_000, 3 * limits.streamPollMaxMs);
}

/** One open stream's place in its tenant's count. */
export interface Slot {
  /** The member in the tenant's slot set: `<owner>|<random id>`. */
  member: string;
  /** Gives the slot back (best effort: a failure leaves it to lapse). */
  release(): Promise<void>;
}

/** The message a client at its limit reads. It names the limit, never another tenant or session. */
function limitMessage(scope: "tenant" | "owner", limits: SlotLimits): string {
  return scope === "tenant"
    ? `Too many open notification streams for this account (at most ${limits.streamMaxPerTenant}): close one first`
    : `Too many open notification streams for this session (at most ${limits.streamMaxPerSession}): close one first`;
}

/**
 * Takes a stream slot for `owner` (a session id, or a credential id in the stateless lane) in `tenantId`'s count.
 * @throws HttpError 429 when the tenant or the owner is at its limit; the Redis error when Redis fails.
 */
export async function openSlot(
  redis: SlotRedis,
  tenantId: string,
  owner: string,
  limits: SlotLimits,
  now: number,
): Promise<Slot> {
  const key = streamSlotsKey(tenantId);
  const member = `${owner}|${crypto.randomUUID()}`;
  const lease = slotLeaseMs(limits);
  const answer = await runKnownScript<string>(
    redis,
    OPEN_SLOT,
    OPEN_SLOT_SHA,
    [key],
    [
      String(now),
      String(now + lease),
      member,
      owner,
      String(limits.streamMaxPerTenant),
      String(limits.streamMaxPerSession),
      String(2 * lease),
    ],
  );
  if (answer === "tenant" || answer === "owner") {
    throw new HttpError(429, limitMessage(answer, limits), {
      headers: { "retry-after": String(Math.ceil(lease / 1000)) },
      internal: `stream limit (${answer})`,
    });
  }
  return {
    member,
    release: async () => {
      await redis.zrem(key, member).catch(() => undefined);
    },
  };
}
