// The rendezvous of a waiting tool call with its client's answer (src/rendezvous/), against the real Redis through
// the Worker's Upstash client: one claim per request, the poll schedule and its command bound (with an injected clock,
// no real waiting), and an answer that lands between the last poll and the close.
import { describe, expect, it } from "vitest";
import { clientAnswerKey, clientRequestKey } from "../../src/redis/keys.ts";
import {
  closeRequest,
  deliverAnswer,
  mintRequestId,
  openRequest,
  type RequestScope,
} from "../../src/rendezvous/rendezvous.ts";
import { awaitAnswer, pollDelay } from "../../src/rendezvous/wait.ts";
import { redis } from "./support/fixtures.ts";

const scope = (): RequestScope => ({ tenantId: crypto.randomUUID(), sessionId: mintRequestId().slice(4) });
const ANSWER = { result: { action: "accept", content: { confirm: true } } };

/** A clock that moves only when the waiter sleeps, counting the sleeps. */
function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe("claiming a request", () => {
  it("the first answer claims it and the waiter gets exactly that one; a second answer is unknown", async () => {
    const s = scope();
    const id = mintRequestId();
    await openRequest(redis, s, id, 60);
    expect(await deliverAnswer(redis, s, id, ANSWER, 60)).toBe("accepted");
    expect(await deliverAnswer(redis, s, id, { result: { action: "decline" } }, 60)).toBe("unknown");
    const time = fakeTime();
    expect(await awaitAnswer(redis, s, id, { timeoutMs: 5000, ...time })).toEqual({ kind: "answered", answer: ANSWER });
    // Read once: nothing is left behind.
    expect(
      await redis.exists(clientAnswerKey(s.tenantId, s.sessionId, id), clientRequestKey(s.tenantId, s.sessionId, id)),
    ).toBe(0);
  });

  it("an answer naming another session or tenant claims nothing", async () => {
    const s = scope();
    const id = mintRequestId();
    await openRequest(redis, s, id, 60);
    expect(await deliverAnswer(redis, { ...s, sessionId: mintRequestId().slice(4) }, id, ANSWER, 60)).toBe("unknown");
    expect(await deliverAnswer(redis, { ...s, tenantId: crypto.randomUUID() }, id, ANSWER, 60)).toBe("unknown");
    expect(await redis.exists(clientRequestKey(s.tenantId, s.sessionId, id))).toBe(1);
  });

  it("a malformed id is unknown without a Redis command (no key can be built from it)", async () => {
    const refuse = {
      del: () => Promise.reject(new Error("no command expected")),
      set: () => Promise.reject(new Error("no command expected")),
    } as unknown as typeof redis;
    for (const id of ["ask-*", "ask-a:b", 7, null, "ask-" + "A".repeat(23), { id: 1 }]) {
      expect(await deliverAnswer(refuse, scope(), id, ANSWER, 60)).toBe("unknown");
    }
  });
});

describe("waiting", () => {
  it("backs off 50 ms doubling to 1 s, so a wait of T s polls at most 5 + T times, then closes the request", async () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map(pollDelay)).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
    const s = scope();
    const id = mintRequestId();
    await openRequest(redis, s, id, 60);
    const time = fakeTime();
    expect(await awaitAnswer(redis, s, id, { timeoutMs: 10_000, ...time })).toEqual({ kind: "timeout" });
    expect(time.slept.length).toBeLessThanOrEqual(5 + 10);
    expect(time.slept.reduce((a, b) => a + b, 0)).toBe(10_000);
    // Closed: the late answer is refused.
    expect(await deliverAnswer(redis, s, id, ANSWER, 60)).toBe("unknown");
  });

  it("an answer that claimed the request after the last poll is still delivered by the close", async () => {
    const s = scope();
    const id = mintRequestId();
    await openRequest(redis, s, id, 60);
    expect(await deliverAnswer(redis, s, id, ANSWER, 60)).toBe("accepted");
    // No time left for a poll: only the close can find it.
    expect(await awaitAnswer(redis, s, id, { timeoutMs: 0, ...fakeTime() })).toEqual({
      kind: "answered",
      answer: ANSWER,
    });
    expect(await closeRequest(redis, s, id)).toBeNull();
  });

  it("an aborted wait closes the request and says so", async () => {
    const s = scope();
    const id = mintRequestId();
    await openRequest(redis, s, id, 60);
    const controller = new AbortController();
    const time = fakeTime();
    const sleep = async (ms: number): Promise<void> => {
      await time.sleep(ms);
      controller.abort();
    };
    expect(
      await awaitAnswer(redis, s, id, { timeoutMs: 5000, now: time.now, sleep, signal: controller.signal }),
    ).toEqual({ kind: "aborted" });
    expect(await deliverAnswer(redis, s, id, ANSWER, 60)).toBe("unknown");
  });
});
