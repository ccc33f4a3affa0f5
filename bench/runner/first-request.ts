import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { WranglerDev } from "../../scripts/lib/wrangler-dev.ts";
import { percentile } from "./load.ts";
import { buildCall, checkAnswer, type Lane, type Scenario, type ScenarioData, type Target } from "./scenarios.ts";

/** The first request of each lane after a fresh start: what a cold isolate's first client waits for. */
export interface FirstRequestLane {
  lane: Lane;
  /** The JSON-RPC method timed: `initialize` (session lane) or `tools/list` (stateless lane, with its `_meta`). */
  method: string;
  /** Wall ms of each start's first request that was answered, in run order. */
  samples: number[];
  /** Median (nearest rank), minimum and maximum of {@link samples}; NaN when none was answered. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median wall ms from spawning `wrangler dev` to its "Ready on" line. */
  readyMedianMs: number;
  /** Starts whose first request failed (not HTTP 200 with a JSON-RPC result), and the first such answer. */
  errors: number;
  firstError?: string;
}

/** Everything the first-request stage measured. */
export interface FirstRequestReport {
  /** Fresh starts per lane. */
  starts: number;
  lanes: FirstRequestLane[];
}

/** What the stage needs from the run. */
export interface FirstRequestOptions {
  /** Starts our Worker under a new `wrangler dev` (so a new workerd, which evaluates the modules again). */
  start: () => Promise<WranglerDev>;
  /** The port `start` serves on: free again before each start. */
  port: number;
  /** The bench tenant's API key and documents. */
  data: ScenarioData & { apiKey: string };
  lanes: readonly Lane[];
  /** Fresh starts per lane. */
  starts: number;
  log: (message: string) => void;
  signal?: AbortSignal;
}

/** The request timed per lane: the handshake a session client opens with, a stateless client's usual first call. */
const FIRST: Record<Lane, Scenario> = {
  session: { lane: "session", name: "initialize" },
  stateless: { lane: "stateless", name: "tools/list" },
};

/**
 * After "Ready on", wrangler is still settling (its file watcher, the dev registry): a short pause so the timed request
 * competes with that less on a two-core machine. It does not warm the Worker: nothing reaches it before the request.
 */
const SETTLE_MS = 1000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Starts our Worker fresh `starts` times per lane (the lanes alternating, so the machine's drifting load spreads over
 * both) and times the first request each start serves, from sending it to the end of the answer's body. The Worker is
 * stopped after each request.
 */
export async function measureFirstRequests(o: FirstRequestOptions): Promise<FirstRequestReport> {
  const timed = new Map<Lane, { samples: number[]; ready: number[]; errors: number; firstError?: string }>(
    o.lanes.map((lane) => [lane, { samples: [], ready: [], errors: 0 }]),
  );
  for (let run = 0; run < o.starts; run++) {
    for (const lane of o.lanes) {
      o.signal?.throwIfAborted();
      const t = timed.get(lane)!;
      await portFree(o.port);
      const spawned = performance.now();
      const dev = await o.start();
      try {
        t.ready.push(performance.now() - spawned);
        await sleep(SETTLE_MS);
        const target: Target = { id: "ours", url: `${dev.url}/mcp`, apiKey: o.data.apiKey };
        const call = buildCall(FIRST[lane], target, o.data, 1);
        const sent = performance.now();
        let failure: string | undefined;
        try {
          const res = await fetch(target.url, {
            method: "POST",
            headers: call.headers,
            body: call.body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await res.text();
          failure = checkAnswer(call, res.status, res.headers.get("content-type") ?? "", text);
        } catch (err) {
          failure = (err as Error).message;
        }
        const ms = performance.now() - sent;
        if (failure) {
          t.errors++;
          t.firstError ??= failure;
        } else t.samples.push(ms);
        o.log(
          `first ${FIRST[lane].lane} request after start ${run + 1}/${o.starts}: ` +
            (failure ? `failed (${failure.slice(0, 120)})` : `${ms.toFixed(0)} ms`),
        );
      } finally {
        await dev.stop();
      }
    }
  }
  return {
    starts: o.starts,
    lanes: o.lanes.map((lane) => {
      const t = timed.get(lane)!;
      const sorted = [...t.samples].sort((a, b) => a - b);
      return {
        lane,
        method: FIRST[lane].name,
        samples: t.samples,
        medianMs: percentile(sorted, 50),
        minMs: sorted[0] ?? Number.NaN,
        maxMs: sorted.at(-1) ?? Number.NaN,
        readyMedianMs: percentile(
          [...t.ready].sort((a, b) => a - b),
          50,
        ),
        errors: t.errors,
        ...(t.firstError ? { firstError: t.firstError } : {}),
      };
    }),
  };
}

/**
 * Waits until `port` can be bound again: a stopped wrangler dev's workerd may hold it a moment after wrangler exits,
 * and the next start would fail on it.
 */
async function portFree(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still in use ${timeoutMs} ms after the Worker stopped`);
    await sleep(200);
  }
}
