/**
 * The capacity table of a run (issue 21): per scenario of our Worker, the Upstash commands and Neon HTTP requests one
 * MCP request costs, the requests per second that one Upstash database and N of them sustain at Upstash's cap, and
 * the cost of a million calls at list prices. BENCHMARKS.md ("Capacity model") explains the figures and says where
 * the prices come from.
 */
import { summarize } from "./counters.ts";
import type { BenchReport } from "./results.ts";

/** Upstash's cap on one database's commands per second (free and pay-as-you-go alike; upstash.com docs, 2026-12). */
export const UPSTASH_COMMANDS_PER_SECOND = 10_000;

/** Shard counts the table shows ceilings for (besides one database). */
const SHARDS = [3, 10];

/**
 * List prices the cost column assumes, in US dollars, as read on {@link PRICES.readOn} (BENCHMARKS.md names the
 * pages). Workers: the paid plan's overage rate per request (the $5 monthly base includes 10M requests and 30M CPU
 * ms). Upstash: pay-as-you-go. Neon compute is billed per CU-hour, not per request, so it is not in this column.
 */
export const PRICES = {
  readOn: "2026-12-02",
  workersPerMillionRequests: 0.3,
  workersPerMillionCpuMs: 0.02,
  upstashPer100kCommands: 0.2,
} as const;

/** The capacity section of the report, as Markdown lines. */
export function capacitySection(report: BenchReport): string[] {
  const out = [
    "### Capacity (issue 21)",
    "",
    `Upstash caps a database at ${UPSTASH_COMMANDS_PER_SECOND.toLocaleString("en-US")} commands/s; a request kind's ` +
      `ceiling is that divided by its commands per request. Cost per million calls at list prices of ${PRICES.readOn}: ` +
      `Upstash $${PRICES.upstashPer100kCommands} per 100K commands, Workers $${PRICES.workersPerMillionRequests} per ` +
      "million requests (CPU time not included here; Neon compute is billed per CU-hour, see BENCHMARKS.md).",
    "",
    `| scenario | Upstash commands/req | Neon HTTP/req | ceiling of 1 database (req/s) | ${SHARDS.map((n) => `${n} shards`).join(" | ")} | Upstash $/M calls | Workers $/M calls |`,
    `|---|---|---|---|${SHARDS.map(() => "---").join("|")}|---|---|`,
  ];
  for (const sc of report.scenarios) {
    const u = summarize(sc.ours.load.upstream);
    const ceiling = u.redisCommands > 0 ? UPSTASH_COMMANDS_PER_SECOND / u.redisCommands : Number.POSITIVE_INFINITY;
    const upstash = u.redisCommands * PRICES.upstashPer100kCommands * 10;
    out.push(
      `| ${sc.label} | ${u.redisCommands.toFixed(2)} | ${u.neonHttp.toFixed(2)} | ${whole(ceiling)} | ` +
        `${SHARDS.map((n) => whole(ceiling * n)).join(" | ")} | ${upstash.toFixed(2)} | ${PRICES.workersPerMillionRequests.toFixed(2)} |`,
    );
  }
  out.push(
    "",
    "Commands are counted by the local cloud over the whole measured load (reset after the warm-up), so they include " +
      "key-cache refills and a session's creation only as they occur; a scenario's warm requests cost at most 2 " +
      "(test/capacity/commands-per-request.test.ts asserts it per request).",
  );
  return out;
}

/** The scenarios whose warm requests must cost at most 2 Upstash commands, and what they measured. */
export function warmCommands(report: BenchReport, lane: string): { name: string; commands: number }[] {
  return report.scenarios
    .filter(
      (s) => s.scenario.lane === lane && ["tools/list", "get_document", "search_documents"].includes(s.scenario.name),
    )
    .map((s) => ({ name: s.scenario.name, commands: summarize(s.ours.load.upstream).redisCommands }));
}

function whole(n: number): string {
  return Number.isFinite(n) ? Math.floor(n).toLocaleString("en-US") : "unbounded";
}
