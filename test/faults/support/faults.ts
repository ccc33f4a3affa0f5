/**
 * Driving the local cloud's injected faults (local-cloud/faults.ts) from tests inside workerd. A fault hits every
 * client of the cloud, the test fixtures' own Redis and Postgres clients included: clear it before checking state.
 */
import { afterEach } from "vitest";
import { cloud } from "../../worker/support/fixtures.ts";

/** A rule for one upstream, as the control endpoint takes it. */
export type FaultRule =
  | "refuse"
  | "drop"
  | "delay"
  | "error"
  | {
      mode: "refuse" | "drop" | "delay" | "error";
      delayMs?: number;
      phase?: "request" | "response";
      match?: string;
      /** Postgres only: just the requests (and WebSocket sessions) for this database. */
      database?: string;
      /** Redis only: just the requests to this Upstash database (0-based shard, `--redis-shards`). */
      shard?: number;
      status?: number;
    };

/** Text every injected `error` answer carries; it must never reach a client of the Worker. */
export const INJECTED_DETAIL = "INJECTED-UPSTREAM-DETAIL";

/** Sets faults, e.g. `{ redis: "refuse" }` or `{ postgres: { mode: "drop", phase: "response" } }`. */
export async function injectFaults(spec: {
  redis?: FaultRule | null;
  postgres?: FaultRule | null;
  delayMs?: number;
}): Promise<void> {
  const res = await fetch(cloud.faultsUrl, { method: "POST", body: JSON.stringify(spec) });
  if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
}

/** Clears every fault and cuts the connections a `drop` holds. */
export async function clearFaults(): Promise<void> {
  const res = await fetch(cloud.faultsUrl, { method: "DELETE" });
  if (!res.ok) throw new Error(`clearing faults failed: ${res.status}`);
}

/** The local cloud's counters (`fault_<target>_<mode>` counts the requests a fault hit). */
export async function cloudStats(): Promise<Record<string, number>> {
  return (await (await fetch(cloud.statsUrl)).json()) as Record<string, number>;
}

/** How many requests a fault has hit since the counters were last zeroed. */
export async function faultHits(target: "redis" | "postgres", mode: string): Promise<number> {
  return (await cloudStats())[`fault_${target}_${mode}`] ?? 0;
}

/**
 * Clears faults (and zeroes the counters) after every test of the calling file, so a failing test cannot leave its
 * fault for the next, and {@link faultHits} counts one test's hits.
 */
export function clearFaultsAfterEach(): void {
  afterEach(async () => {
    await clearFaults();
    await fetch(`${cloud.statsUrl}/reset`, { method: "POST" });
  });
}

/** Milliseconds `task` took, with its result. */
export async function timed<T>(task: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await task();
  return { value, ms: performance.now() - started };
}
