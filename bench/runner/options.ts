import { parseArgs } from "node:util";
import { PEER_NAMES, type PeerName } from "./peers.ts";
import { LANES, SCENARIO_NAMES, type Lane, type ScenarioName } from "./scenarios.ts";

/** The help text of `npm run bench`. */
export const HELP = `Usage: npm run bench -- [options]

Benchmarks the Worker the way it runs locally: starts the local cloud (real PostgreSQL and Redis) over a database of
its own, creates an enterprise tenant with documents and an API key, serves the Worker, the naive baseline Worker
(bench/naive-worker) and the peer Workers (bench/peers: the same tools on the MCP libraries a team would pick instead)
with wrangler dev, drives /mcp with concurrent clients and prints, per scenario, requests/s,
latency percentiles and upstream requests per MCP request, the sequential round-trip depth (the cloud restarted with
a delay per upstream request), a CPU microbenchmark of the per-request server build, the bundle size and
start-up time, and the first request after a fresh start.

Load:
  --concurrency N        concurrent clients (default 8)
  --requests N           measured requests per scenario and target (default 1000)
  --duration S           at most S seconds per scenario and target, whichever bound comes first (default 20)
  --warmup N             unmeasured requests before each measurement (default 50)
  --scenario LIST        comma-separated: ${SCENARIO_NAMES.join(", ")} (default all;
                         get_document_schema and get_document_database call a tenant on that isolation tier)
  --lane LIST            comma-separated: ${LANES.join(", ")} (default both; "stateless" runs only when the Worker serves it)
  --no-baseline          skip the naive baseline Worker
  --peers LIST           comma-separated peer Workers (bench/peers): ${PEER_NAMES.join(", ")}; "none" skips them
                         (default all); they run the scenarios both sides serve, in the lanes they serve
  --peer-duration S      at most S seconds per scenario and peer (default 8: four peers at 20 s each would double
                         the run; a steady-state rate needs no more on 8 clients)

Round-trip depth:
  --latency LIST         delays per upstream request in ms; the first is the reference (default 0,20; "0" skips)
  --depth-requests N     measured requests per scenario, target and delay, over all rounds (default 100)
  --depth-rounds N       alternate the delays in N rounds, ABBA order, so load drift cancels (default 2)
  --depth-concurrency N  clients during depth runs (default 1: queueing would hide round trips)

Other measurements:
  --micro-iterations N   operations per variant in the CPU microbenchmark (default 3000; 0 skips)
  --wait-seconds N       length of the measured unanswered wait for a client's answer, CPU and Redis commands
                         (default 10; 0 skips)
  --no-bundle            skip bundle size and start-up time
  --startup-runs N       start-up profiles (wrangler check startup) per Worker; the report gives their median CPU
                         time and range (default 5: a single profile varies by a factor of two on a shared machine)
  --first-requests N     start our Worker fresh under wrangler dev N times per lane and time its first request:
                         a session-lane initialize, a stateless-lane tools/list (default 3; 0 skips; about 10 s a start)
  --first-request-baseline-ms SESSION,STATELESS
                         median first-request wall times (ms) of an earlier version, to judge "no slower than before"
                         by (default none: the figures are only reported)

Environment:
  --database-url URL     admin URL of the bench database; DROPPED and re-created, so its name must contain "bench"
                         (default: $BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/tenant_mcp_bench)
  --redis-url URL        Redis db (default: $BENCH_REDIS_URL or redis://127.0.0.1:6379/14); never emptied: every
                         key the bench makes names its own random tenant, key or session id
  --base-port N          use ports N..N+3 (cloud Neon, cloud Upstash, Worker, naive Worker) and N+4.. (the peers);
                         each wrangler dev also picks a free inspector port; default 0: free ports
  --documents N          documents of the bench tenant (default 200)
  --notify N             document updates timed to their notification on a GET stream, then 30 s of an idle
                         stream's cost (default 20; 0 skips)
  --json FILE            also write every figure as JSON
  -h, --help             show this help`;

/** Everything `npm run bench` can be told. */
export interface BenchOptions {
  concurrency: number;
  requests: number;
  durationMs: number;
  warmup: number;
  scenarios: ScenarioName[];
  lanes: Lane[];
  baseline: boolean;
  /** Peer Workers to run next to ours (bench/peers). */
  peers: PeerName[];
  /** The `--duration` bound of a peer's throughput run, in ms. */
  peerDurationMs: number;
  latencies: number[];
  depthRequests: number;
  depthConcurrency: number;
  depthRounds: number;
  microIterations: number;
  /** Length of the measured unanswered client-answer wait, in seconds (0 skips; bench/runner/waiting.ts). */
  waitSeconds: number;
  bundle: boolean;
  /** `wrangler check startup` profiles per Worker (bench/runner/bundle.ts). */
  startupRuns: number;
  /** Fresh starts of our Worker per lane, each timed to its first answer (0 skips; bench/runner/first-request.ts). */
  firstRequests: number;
  /** Earlier median first-request wall times per lane, in ms, for the targets; undefined: only reported. */
  firstRequestBaselineMs: { session: number; stateless: number } | undefined;
  databaseUrl: string;
  redisUrl: string;
  basePort: number;
  documents: number;
  /** Document updates timed to their notification (0: no notification measurement). */
  notifyUpdates: number;
  json: string | undefined;
}

/** Thrown for a bad command line; the caller prints it with the help. */
export class UsageError extends Error {}

/** Parses the command line. `--help` is reported as `"help"`. */
export function parseBenchArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | "help" {
  let v;
  try {
    v = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        concurrency: { type: "string", default: "8" },
        requests: { type: "string", default: "1000" },
        duration: { type: "string", default: "20" },
        warmup: { type: "string", default: "50" },
        scenario: { type: "string" },
        lane: { type: "string" },
        "no-baseline": { type: "boolean", default: false },
        peers: { type: "string" },
        "peer-duration": { type: "string", default: "8" },
        latency: { type: "string", default: "0,20" },
        "depth-requests": { type: "string", default: "100" },
        "depth-concurrency": { type: "string", default: "1" },
        "depth-rounds": { type: "string", default: "2" },
        "micro-iterations": { type: "string", default: "3000" },
        "wait-seconds": { type: "string", default: "10" },
        "no-bundle": { type: "boolean", default: false },
        "startup-runs": { type: "string", default: "5" },
        "first-requests": { type: "string", default: "3" },
        "first-request-baseline-ms": { type: "string", default: "" },
        "database-url": {
          type: "string",
          default: env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_bench",
        },
        "redis-url": { type: "string", default: env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/14" },
        "base-port": { type: "string", default: "0" },
        documents: { type: "string", default: "200" },
        notify: { type: "string", default: "20" },
        json: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (v.help) return "help";

  const databaseUrl = v["database-url"];
  const dbName = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  // The bench drops its database at start: refuse anything that does not look like a bench database.
  if (!dbName.includes("bench"))
    throw new UsageError(
      `--database-url: the database is dropped at start, so its name must contain "bench" (got "${dbName}")`,
    );
  const latencies = list(v.latency, "--latency").map((s) => int(s, "--latency", 0));
  if (latencies[0] !== 0) throw new UsageError("--latency: the first delay must be 0 (the reference)");

  return {
    concurrency: int(v.concurrency, "--concurrency", 1),
    requests: int(v.requests, "--requests", 1),
    durationMs: int(v.duration, "--duration", 1) * 1000,
    warmup: int(v.warmup, "--warmup", 0),
    scenarios: v.scenario ? oneOf(list(v.scenario, "--scenario"), SCENARIO_NAMES, "--scenario") : [...SCENARIO_NAMES],
    lanes: v.lane ? oneOf(list(v.lane, "--lane"), LANES, "--lane") : [...LANES],
    baseline: !v["no-baseline"],
    peers: parsePeers(v.peers),
    peerDurationMs: int(v["peer-duration"], "--peer-duration", 1) * 1000,
    latencies,
    depthRequests: int(v["depth-requests"], "--depth-requests", 1),
    depthConcurrency: int(v["depth-concurrency"], "--depth-concurrency", 1),
    depthRounds: int(v["depth-rounds"], "--depth-rounds", 1),
    microIterations: int(v["micro-iterations"], "--micro-iterations", 0),
    waitSeconds: int(v["wait-seconds"], "--wait-seconds", 0),
    bundle: !v["no-bundle"],
    startupRuns: int(v["startup-runs"], "--startup-runs", 1),
    firstRequests: int(v["first-requests"], "--first-requests", 0),
    firstRequestBaselineMs: parseBaseline(v["first-request-baseline-ms"]),
    databaseUrl,
    redisUrl: v["redis-url"],
    basePort: int(v["base-port"], "--base-port", 0),
    documents: int(v.documents, "--documents", 1),
    notifyUpdates: int(v.notify, "--notify", 0),
    json: v.json,
  };
}

/** `--first-request-baseline-ms SESSION,STATELESS`: two non-negative numbers of ms, or empty for none. */
function parseBaseline(value: string): BenchOptions["firstRequestBaselineMs"] {
  if (value.trim() === "") return undefined;
  const flag = "--first-request-baseline-ms";
  const ms = list(value, flag).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: not a number of ms: "${s}"`);
    return n;
  });
  if (ms.length !== 2) throw new UsageError(`${flag}: two figures, SESSION,STATELESS (got ${ms.length})`);
  return { session: ms[0]!, stateless: ms[1]! };
}

/** `--peers`: absent means all, "none" means none, otherwise a list of distinct peer names. */
function parsePeers(value: string | undefined): PeerName[] {
  if (value === undefined) return [...PEER_NAMES];
  if (value.trim() === "none") return [];
  return [...new Set(oneOf(list(value, "--peers"), PEER_NAMES, "--peers"))];
}

function list(value: string, flag: string): string[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag}: empty list`);
  return items;
}

function oneOf<T extends string>(items: string[], allowed: readonly T[], flag: string): T[] {
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new UsageError(`${flag}: unknown "${item}" (one of ${allowed.join(", ")})`);
  }
  return items as T[];
}

function int(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${value}"`);
  return n;
}
