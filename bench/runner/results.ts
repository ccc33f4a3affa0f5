import type { BundleResult } from "./bundle.ts";
import type { ListingSize } from "./listing.ts";
import type { LoadResult } from "./load.ts";
import type { MicroReport } from "./microbench.ts";
import type { WaitingReport } from "./waiting.ts";
import type { Scenario } from "./scenarios.ts";
import type { SessionBytes } from "./sessions.ts";
import type { NotifyReport } from "./notify.ts";

/** The median latency of a sequential run with the cloud delaying every upstream request by `latencyMs`. */
interface DepthSample {
  latencyMs: number;
  p50: number;
  errors: number;
}

/** What was measured for one target (our Worker or the naive one) in one scenario. */
export interface TargetResult {
  /** The throughput run (no delay). */
  load: LoadResult;
  /** One sample per `--latency` value, the first at 0 ms. */
  depth: DepthSample[];
}

/** One scenario, side by side. */
export interface ScenarioResult {
  scenario: Scenario;
  label: string;
  ours: TargetResult;
  naive?: TargetResult;
}

/** Where the figures come from. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  workerd: string;
  wrangler: string;
  postgres: string;
  redis: string;
}

/** Everything one `npm run bench` measured; `--json` writes it. */
export interface BenchReport {
  startedAt: string;
  command: string;
  machine: Machine;
  settings: {
    concurrency: number;
    requests: number;
    warmup: number;
    latencies: number[];
    depthRequests: number;
    depthConcurrency: number;
    depthRounds: number;
    documents: number;
  };
  /** Whether the Worker served the 2026-07-28 lane, and what the probe saw. */
  stateless: { available: boolean; detail: string };
  scenarios: ScenarioResult[];
  micro?: MicroReport;
  bundle?: { ours: BundleResult; naive?: BundleResult };
  /** Bytes of each plan's `tools/list` result per lane. */
  listings: ListingSize[];
  /** Redis bytes per session of the bench tenant after the load runs; absent when none was stored. */
  sessions?: SessionBytes;
  /** CPU and Redis commands of a session-lane call waiting for its client's answer; absent when skipped. */
  waiting?: WaitingReport;
  /** Delay from a document update to its notification, and an idle stream's cost; absent with `--notify 0`. */
  notify?: NotifyReport;
}

/**
 * Sequential round-trip depth at `latencyMs`: (p50 with the delay - p50 without) / delay, i.e. how many upstream
 * requests a request waits for one after another. Undefined without both samples.
 */
export function depthAt(samples: readonly DepthSample[], latencyMs: number): number | undefined {
  const base = samples.find((s) => s.latencyMs === 0);
  const delayed = samples.find((s) => s.latencyMs === latencyMs);
  if (!base || !delayed || latencyMs === 0 || !Number.isFinite(base.p50) || !Number.isFinite(delayed.p50))
    return undefined;
  return (delayed.p50 - base.p50) / latencyMs;
}
