import type { BundleResult } from "./bundle.ts";
import type { ListingSize } from "./listing.ts";
import type { LoadResult } from "./load.ts";
import type { MicroReport } from "./microbench.ts";
import type { WaitingReport } from "./waiting.ts";
import type { PeerName } from "./peers.ts";
import type { Scenario } from "./scenarios.ts";
import type { SessionBytes } from "./sessions.ts";
import type { NotifyReport } from "./notify.ts";
import type { FirstRequestReport } from "./first-request.ts";

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
  /** Each peer Worker that served this scenario (issue 20). */
  peers?: Partial<Record<PeerName, TargetResult>>;
  /** Peers left out of this scenario, and why (e.g. no 2026-07-28 lane). */
  peersNotServed?: Partial<Record<PeerName, string>>;
}

/** Everything one target measured in a scenario: `ours`, `naive` or a peer's name. */
export function resultOf(sc: ScenarioResult, id: string): TargetResult | undefined {
  if (id === "ours") return sc.ours;
  if (id === "naive") return sc.naive;
  return sc.peers?.[id as PeerName];
}

/** Stores what target `id` measured in a scenario. */
export function setResultOf(sc: Partial<ScenarioResult>, id: string, result: TargetResult): void {
  if (id === "ours" || id === "naive") sc[id] = result;
  else sc.peers = { ...sc.peers, [id]: result };
}

/** The other targets of a scenario, as [id, result]: the naive Worker first, then the peers in run order. */
export function othersOf(sc: ScenarioResult): [string, TargetResult][] {
  return [
    ...(sc.naive ? [["naive", sc.naive] as [string, TargetResult]] : []),
    ...(Object.entries(sc.peers ?? {}) as [string, TargetResult][]),
  ];
}

/** A peer Worker in a run: what it is and which lanes it served. */
export interface PeerReport {
  name: PeerName;
  package: string;
  version: string;
  auth: string;
  serving: string;
  /** Whether it answered a 2026-07-28 `server/discover`, and what the probe saw. */
  stateless: { available: boolean; detail: string };
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
    /** Bound of one throughput run in seconds (absent in reports from before issue 20). */
    durationS?: number;
    /** The same bound for a peer's throughput run. */
    peerDurationS?: number;
    /** `wrangler check startup` profiles per Worker (`--startup-runs`); absent without the bundle stage. */
    startupRuns?: number;
    /** `--first-request-baseline-ms`: earlier medians the first-request targets compare with. */
    firstRequestBaselineMs?: { session: number; stateless: number };
  };
  /** Whether the Worker served the 2026-07-28 lane, and what the probe saw. */
  stateless: { available: boolean; detail: string };
  scenarios: ScenarioResult[];
  micro?: MicroReport;
  bundle?: { ours: BundleResult; naive?: BundleResult; peers?: Partial<Record<PeerName, BundleResult>> };
  /** The peer Workers of the run (issue 20), in `--peers` order. */
  peers?: PeerReport[];
  /** Bytes of each plan's `tools/list` result per lane. */
  listings: ListingSize[];
  /** Redis bytes per session of the bench tenant after the load runs; absent when none was stored. */
  sessions?: SessionBytes;
  /** CPU and Redis commands of a session-lane call waiting for its client's answer; absent when skipped. */
  waiting?: WaitingReport;
  /** Our Worker's first request per lane after a fresh start; absent with `--first-requests 0`. */
  firstRequests?: FirstRequestReport;
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
