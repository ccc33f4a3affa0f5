/**
 * The cost of a session-lane tool call waiting for its client's answer (src/rendezvous/): the rendezvous code the
 * Worker runs, with the Worker's own Upstash client, against the local cloud's Upstash endpoint, timed in this Node
 * process. `process.cpuUsage` counts the poll loop and the client's HTTP requests: an upper bound of what the Worker
 * is billed (workerd's fetch costs less CPU than Node's), since a Worker has no CPU clock of its own to read.
 */
import { createRedis } from "../../src/redis/client.ts";
import { deliverAnswer, mintRequestId, openRequest, type RequestScope } from "../../src/rendezvous/rendezvous.ts";
import { awaitAnswer } from "../../src/rendezvous/wait.ts";
import { percentile } from "./load.ts";

/** What {@link measureWaiting} returns. */
export interface WaitingReport {
  /** Length of the unanswered wait, in ms (it ends by timeout). */
  waitMs: number;
  /** CPU time (user + system) of that whole wait, in ms. */
  cpuMs: number;
  /** Redis commands that wait sent (polls, plus the open and the close). */
  commands: number;
  /** Answered waits measured for {@link deliveryP50Ms}. */
  answered: number;
  /** From the answer's handover to the waiting call having it, in ms: median and worst. */
  deliveryP50Ms: number;
  deliveryMaxMs: number;
}

/**
 * One unanswered wait of `waitMs` (CPU and commands), then `answered` waits whose answer is handed over after a
 * pause that grows from 0.2 s to 3 s (at most `waitMs`; the delay from handover to the call seeing it, which the poll backoff bounds).
 */
export async function measureWaiting(
  upstashUrl: string,
  token: string,
  waitMs: number,
  answered = 6,
): Promise<WaitingReport> {
  const redis = createRedis({ url: upstashUrl, token }, 1000);
  let commands = 0;
  const count = <T>(sent: T): T => {
    commands++;
    return sent;
  };
  const counted = {
    set: (...a: Parameters<typeof redis.set>) => count(redis.set(...a)),
    del: (...a: Parameters<typeof redis.del>) => count(redis.del(...a)),
    getdel: (...a: Parameters<typeof redis.getdel>) => count(redis.getdel(...a)),
  } as unknown as typeof redis;
  const scope: RequestScope = { tenantId: "bench-waiting", sessionId: mintRequestId().slice(4) };

  // Warm-up (JIT, the client's first connection): a short unanswered wait, not measured.
  const warm = mintRequestId();
  await openRequest(redis, scope, warm, 30);
  await awaitAnswer(redis, scope, warm, { timeoutMs: 1500 });

  const id = mintRequestId();
  await openRequest(counted, scope, id, Math.ceil(waitMs / 1000) + 30);
  const cpu0 = process.cpuUsage();
  const outcome = await awaitAnswer(counted, scope, id, { timeoutMs: waitMs });
  const cpu = process.cpuUsage(cpu0);
  if (outcome.kind !== "timeout") throw new Error(`unanswered wait ended with ${outcome.kind}`);

  const delays: number[] = [];
  for (let i = 0; i < answered; i++) {
    const asked = mintRequestId();
    await openRequest(redis, scope, asked, 60);
    const pause = 200 + ((Math.min(3000, waitMs) - 200) * i) / Math.max(1, answered - 1);
    let handedOver = 0;
    const answer = new Promise<void>((resolve) =>
      setTimeout(() => {
        handedOver = performance.now();
        void deliverAnswer(redis, scope, asked, { result: { action: "decline" } }, 60).then(() => resolve());
      }, pause),
    );
    const got = await awaitAnswer(redis, scope, asked, { timeoutMs: 10_000 });
    if (got.kind !== "answered") throw new Error(`answered wait ended with ${got.kind}`);
    delays.push(performance.now() - handedOver);
    await answer;
  }
  delays.sort((a, b) => a - b);
  return {
    waitMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    commands,
    answered,
    deliveryP50Ms: percentile(delays, 50),
    deliveryMaxMs: delays.at(-1) ?? 0,
  };
}
