import { sleep as timerSleep } from "../timers/sleep.ts";
import type { Redis } from "@upstash/redis/cloudflare";
import { clientAnswerKey } from "../redis/keys.ts";
import { closeRequest, type ClientAnswer, type RequestScope } from "./rendezvous.ts";

/** How a wait for a client's answer ended. */
export type WaitOutcome =
  | { kind: "answered"; answer: ClientAnswer }
  /** No answer within the timeout; the request is closed, so a later answer is refused. */
  | { kind: "timeout" }
  /** The call ended (client gone, request aborted) before an answer came. */
  | { kind: "aborted" }
  /** Redis failed while polling: the call must end, since no answer can reach it. */
  | { kind: "unavailable"; error: unknown };

/** Options of {@link awaitAnswer}. */
export interface WaitOptions {
  /** Longest wait, in ms, from the first poll. */
  timeoutMs: number;
  /** Aborts the wait (the call's signal). */
  signal?: AbortSignal;
  /** The clock (default `Date.now`); in Workers it moves on I/O and timers, which is all a wait does. */
  now?: () => number;
  /** Sleeps `ms` (default a timer, which costs no CPU while it runs); resolves early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** First pause between polls, in ms. */
export const FIRST_POLL_DELAY_MS = 50;
/** Longest pause between polls, in ms: an answer waits at most this long in Redis before the call sees it. */
export const MAX_POLL_DELAY_MS = 1000;

/**
 * The pause before poll `n` (0-based): doubling from {@link FIRST_POLL_DELAY_MS} to {@link MAX_POLL_DELAY_MS}. A
 * machine answers (sampling, roots) within the first few polls; a person (elicitation) takes seconds, where one poll
 * a second costs little. So a wait of T seconds costs at most 5 + T Redis commands (one GETDEL per poll), and the
 * answer reaches the call at most a second after it was posted.
 */
export function pollDelay(n: number): number {
  return Math.min(MAX_POLL_DELAY_MS, FIRST_POLL_DELAY_MS * 2 ** Math.min(n, 10));
}

/**
 * Waits for the answer to request `id` by polling its answer key (GETDEL: read once, then gone). Polling, not a
 * blocking command: @upstash/redis has no BLPOP, and a blocking REST request would outlive the client's per-command
 * timeout (`REDIS_TIMEOUT_MS`) and hold an Upstash connection for the whole wait. Between polls the invocation only
 * waits on a timer, which Workers do not bill as CPU. Never throws: every ending is an outcome, and after a timeout or
 * an abort the request is closed so a late answer is refused.
 */
export async function awaitAnswer(
  redis: Pick<Redis, "getdel" | "del">,
  scope: RequestScope,
  id: string,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? timerSleep;
  const deadline = now() + options.timeoutMs;
  const key = clientAnswerKey(scope.tenantId, scope.sessionId, id);
  for (let n = 0; ; n++) {
    const left = deadline - now();
    if (left <= 0) break;
    await sleep(Math.min(pollDelay(n), left), options.signal);
    if (options.signal?.aborted) {
      const late = await closeRequest(redis, scope, id);
      return late ? { kind: "answered", answer: late } : { kind: "aborted" };
    }
    try {
      const answer = await redis.getdel<ClientAnswer>(key);
      if (answer !== null) return { kind: "answered", answer };
    } catch (error) {
      // The request stays open until its TTL: closing it needs the Redis that just failed.
      return { kind: "unavailable", error };
    }
  }
  // An answer may have claimed the request between the last poll and now: closeRequest returns it then.
  const late = await closeRequest(redis, scope, id);
  return late ? { kind: "answered", answer: late } : { kind: "timeout" };
}
