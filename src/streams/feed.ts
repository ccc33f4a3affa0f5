import { sleep } from "../timers/sleep.ts";
import type { Redis } from "@upstash/redis/cloudflare";
import { streamSlotsKey, tenantEventsKey } from "../redis/keys.ts";
import { runKnownScript } from "../redis/script.ts";
import { decodeEntries, type StoredEvent } from "./events.ts";
import { POLL_EVENTS, POLL_EVENTS_SHA } from "./scripts.ts";
import { slotLeaseMs } from "./slots.ts";

/** The Redis commands a feed uses. */
export type FeedRedis = Pick<Redis, "eval" | "evalsha">;

/** First pause after a poll that found events (ms); every empty poll doubles it up to `streamPollMaxMs`. */
const POLL_MIN_MS = 100;
/** Entries read per poll at most; more wait for the next one, which then follows at once. */
const BATCH = 32;
/** A comment frame this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;

/**
 * Most polls in one invocation: each is a subrequest, and Workers cap those per invocation (1000 on the paid plan).
 * A stream that reaches it ends like an idle one; the client reconnects and resumes with `Last-Event-ID`.
 */
const MAX_POLLS = 900;

/** Why a feed ended. */
export type FeedEnd = "idle" | "gone" | "aborted" | "fault" | "budget";

/** An event id as Redis mints them (`<ms>-<seq>`): a `Last-Event-ID` of any other shape is ignored. */
const EVENT_ID = /^\d{1,20}-\d{1,20}$/;

/** The cursor a client's `Last-Event-ID` names, or `undefined` (start from now). */
export function cursorFrom(lastEventId: string | null): string | undefined {
  const id = lastEventId?.trim();
  return id && EVENT_ID.test(id) ? id : undefined;
}

/** Options of {@link TenantFeed}. */
export interface FeedOptions {
  redis: FeedRedis;
  tenantId: string;
  /** The stream's slot member (src/streams/slots.ts): every poll renews it, and a lapsed one ends the feed. */
  member: string;
  /** The session record key to check on every poll (the feed ends with its session); none in the stateless lane. */
  sessionKey?: string;
  limits: { streamPollMaxMs: number; streamIdleSeconds: number };
  now: () => number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/**
 * One open stream's view of its tenant's event stream in Redis: a poll is one command (renew the slot, read what
 * came after the cursor), and waiting between polls is a timer, which costs no CPU. The pause grows from 100 ms to
 * `streamPollMaxMs` while nothing happens, so an idle stream costs at most 60000 / `streamPollMaxMs` commands a
 * minute (30 at the default), and resets when an event arrives, so a burst is read quickly.
 */
export class TenantFeed {
  private cursor: string | undefined;
  private readonly o: FeedOptions;

  constructor(o: FeedOptions, cursor: string | undefined) {
    this.o = o;
    this.cursor = cursor;
  }

  /** The id of the last entry read (or the stream's end when the feed started from now). */
  get position(): string | undefined {
    return this.cursor;
  }

  /**
   * One poll. Returns the new events (none when the feed only learnt where "now" is), or "gone" when the slot or the
   * session ended. Throws when Redis fails.
   */
  async poll(): Promise<StoredEvent[] | "gone"> {
    const o = this.o;
    const slots = streamSlotsKey(o.tenantId);
    const lease = slotLeaseMs(o.limits);
    const reply = await runKnownScript<unknown[]>(
      o.redis,
      POLL_EVENTS,
      POLL_EVENTS_SHA,
      [slots, tenantEventsKey(o.tenantId), o.sessionKey ?? slots],
      [
        o.member,
        String(o.now() + lease),
        this.cursor ?? "",
        String(BATCH),
        String(2 * lease),
        o.sessionKey ? "1" : "0",
      ],
    );
    if (!Array.isArray(reply) || reply[0] === "gone") return "gone";
    if (reply[0] === "at") {
      this.cursor = String(reply[1]);
      return [];
    }
    const raw = Array.isArray(reply[1]) ? (reply[1] as unknown[]) : [];
    const last = raw.at(-1);
    if (Array.isArray(last) && typeof last[0] === "string") this.cursor = last[0];
    return decodeEntries(raw);
  }

  /**
   * Polls until the client goes away, the slot or session ends, nothing was delivered for `streamIdleSeconds`, Redis
   * fails, or the invocation's subrequest budget is spent. `deliver` gets each batch and says how many notifications it sent (only those count against
   * idleness); `heartbeat` is called when nothing was sent for a while.
   */
  async run(deliver: (events: StoredEvent[]) => Promise<number>, heartbeat: () => void): Promise<FeedEnd> {
    const o = this.o;
    let pause = POLL_MIN_MS;
    let lastSent = o.now();
    let lastBeat = o.now();
    let polls = 0;
    while (!o.signal.aborted) {
      if (++polls > MAX_POLLS) return "budget";
      let got: StoredEvent[] | "gone";
      try {
        got = await this.poll();
      } catch {
        return o.signal.aborted ? "aborted" : "fault";
      }
      if (got === "gone") return "gone";
      if (got.length && (await deliver(got)) > 0) lastSent = lastBeat = o.now();
      pause = got.length ? POLL_MIN_MS : Math.min(pause * 2, o.limits.streamPollMaxMs);
      const now = o.now();
      if (now - lastSent >= o.limits.streamIdleSeconds * 1000) return "idle";
      if (now - lastBeat >= HEARTBEAT_MS) {
        heartbeat();
        lastBeat = now;
      }
      await sleep(pause, o.signal);
    }
    return "aborted";
  }
}
