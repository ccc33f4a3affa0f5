import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startupSummary, startupTimes, topContributors } from "../../bench/runner/bundle.ts";
import { summarize } from "../../bench/runner/counters.ts";
import { percentile } from "../../bench/runner/load.ts";
import { parseBenchArgs, UsageError } from "../../bench/runner/options.ts";
import { PEER_NAMES } from "../../bench/runner/peers.ts";
import { depthAt, type BenchReport, type TargetResult } from "../../bench/runner/results.ts";
import { dropTenantDatabases } from "../../scripts/lib/tenant-databases.ts";
import { capacitySection, warmCommands } from "../../bench/runner/capacity.ts";
import { checkTargets } from "../../bench/runner/targets.ts";
import { requireServers } from "../support/servers.ts";

// A database and Redis db of its own: the worker projects' names plus "_bench" (the bench drops its database at
// start and refuses names without "bench"); Redis is never emptied by the bench, so sharing a db is safe.
const workerDb = new URL(process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_test");
workerDb.pathname = `${workerDb.pathname}_bench`;
const DATABASE_URL = process.env.TEST_BENCH_DATABASE_URL ?? workerDb.toString();
const REDIS_URL = process.env.TEST_BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";
const BASE_PORT = process.env.TEST_BENCH_BASE_PORT ?? "0";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  // The bench tenants' own databases (the isolation-tier scenarios); the bench drops its main database at start.
  await dropTenantDatabases(DATABASE_URL);
});

function runBenchCli(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["scripts/bench.ts", ...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("npm run bench", () => {
  it("runs every stage on a tiny size and reports figures that fit what each Worker does", async (ctx) => {
    // The bench refuses the embedded engines: its figures would describe them, not the servers it is about.
    await requireServers(ctx, { postgres: DATABASE_URL, redis: REDIS_URL });
    const dir = await mkdtemp(join(tmpdir(), "tmcp-bench-test-"));
    dirs.push(dir);
    const json = join(dir, "report.json");
    const { code, stdout, stderr } = await runBenchCli(
      [
        "--database-url",
        DATABASE_URL,
        "--redis-url",
        REDIS_URL,
        "--base-port",
        BASE_PORT,
        "--scenario",
        "tools/list,get_document,get_document_oauth,get_document_schema,get_document_database",
        "--concurrency",
        "2",
        "--requests",
        "10",
        "--warmup",
        "2",
        "--latency",
        "0,10",
        "--depth-requests",
        "3",
        "--micro-iterations",
        "20",
        "--wait-seconds",
        "2",
        "--documents",
        "10",
        "--no-bundle",
        // One timed update and a few seconds of an idle stream: the notification stage runs, and briefly.
        "--notify",
        "1",
        // The first-request stage is the peer test's (this one is the longer of the two).
        "--first-requests",
        "0",
        "--peers",
        "none",
        "--json",
        json,
      ],
      100_000,
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(await readFile(json, "utf8")) as BenchReport;

    // A 2 s unanswered wait: the open, at most 5 + 2 polls (backoff 50 ms doubling to 1 s), the close.
    expect(report.waiting).toMatchObject({ waitMs: 2000, answered: 6 });
    expect(report.waiting!.commands).toBeGreaterThanOrEqual(4);
    expect(report.waiting!.commands).toBeLessThanOrEqual(9);
    expect(report.waiting!.deliveryMaxMs).toBeLessThan(1000 + 500);

    const lanes = report.stateless.available ? ["session", "stateless"] : ["session"];
    expect(report.scenarios.map((s) => `${s.scenario.lane} ${s.scenario.name}`)).toEqual(
      lanes.flatMap((lane) =>
        ["tools/list", "get_document", "get_document_oauth", "get_document_schema", "get_document_database"].map(
          (name) => `${lane} ${name}`,
        ),
      ),
    );
    const oursOnly = ["get_document_oauth", "get_document_schema", "get_document_database"];
    for (const s of report.scenarios.filter((sc) => oursOnly.includes(sc.scenario.name))) {
      // Signed in through the real flow once, or a tenant on a schema or a database of its own: every call succeeds,
      // on our Worker only (the naive one has no OAuth and no isolation tiers).
      expect(s.naive).toBeUndefined();
      expect(s.ours.load.errors, s.ours.load.firstError).toBe(0);
      expect(s.ours.load.sent).toBe(10);
      expect(summarize(s.ours.load.upstream).neonHttp).toBeGreaterThanOrEqual(1);
      expect(depthAt(s.ours.depth, 10)).toEqual(expect.any(Number));
    }
    for (const s of report.scenarios.filter((sc) => !oursOnly.includes(sc.scenario.name))) {
      for (const t of [s.ours, s.naive!]) {
        expect(t.load.sent).toBe(10);
        expect(t.load.errors, t.load.firstError).toBe(0);
        expect(t.load.p50).toBeGreaterThan(0);
        expect(t.depth.map((d) => d.latencyMs)).toEqual([0, 10]);
        expect(depthAt(t.depth, 10)).toEqual(expect.any(Number));
      }
      // Counters land on the right Worker: ours authenticates every request against Redis; the naive one has no
      // Redis at all and runs exactly the tool's one query.
      expect(summarize(s.ours.load.upstream).redisHttp).toBeGreaterThanOrEqual(1);
      const naive = summarize(s.naive!.load.upstream);
      expect(naive.redisHttp).toBe(0);
      expect(naive.neonHttp).toBe(s.scenario.name === "get_document" ? 1 : 0);
      if (s.scenario.name === "get_document")
        expect(summarize(s.ours.load.upstream).neonHttp).toBeGreaterThanOrEqual(1);
    }

    const micro = report.micro!.results;
    // Ours lists delete_document in the session lane too (it confirms by elicitation there); the naive Worker has ten.
    for (const [impl, tools] of [
      ["ours", 11],
      ["naive", 10],
    ] as const) {
      const r = micro.find((m) => m.lane === "session" && m.impl === impl);
      expect(r?.tools, impl).toBe(tools);
      expect(r!.cpuUs).toBeGreaterThan(0);
    }
    // tools/list per plan and lane; each plan's list holds its tools, and a plan with more tools lists more bytes.
    expect(report.listings.map((l) => `${l.plan} ${l.lane}`)).toEqual(
      ["free", "pro", "enterprise"].flatMap((plan) => [`${plan} session`, `${plan} stateless`]),
    );
    const bytes = (plan: string) => report.listings.find((l) => l.plan === plan && l.lane === "session")!.bytes;
    expect(bytes("free")).toBeLessThan(bytes("pro"));
    expect(bytes("pro")).toBeLessThan(bytes("enterprise"));
    expect(stdout).toMatch(/\| enterprise \| stateless \| 11 \| [\d.]+ KiB \|/);
    expect(stdout).toContain("enterprise tools/list at most 8 KiB in either lane");
    expect(stdout).toContain("#### session tools/list");
    // The notification stage: one delivered update, an idle stream within its bound of 30 commands a minute.
    expect(report.notify?.updates).toBe(1);
    expect(report.notify!.p50Ms).toBeGreaterThan(0);
    expect(report.notify!.p50Ms).toBeLessThan(5000);
    expect(report.notify!.cpuMsPerPoll).toBeGreaterThan(0);
    expect(stdout).toContain("### Notification streams");
    expect(stdout).toContain("### Targets (issues 7, 19, 20 and 21)");
    expect(stdout).toContain("### Capacity (issue 21)");
    expect(stdout).toContain("a warm API-key request costs at most 2 Upstash commands");
    expect(stdout).toContain("#### session tools/call get_document (OAuth token)");
    expect(stdout).toContain("tools/call with an OAuth token, sequential depth <= the API key's + 1");
    expect(stdout).toContain("#### session tools/call get_document (database tier)");
    // A depth is a difference of two means, so with a few requests on a loaded machine it can come out just below 0.
    expect(stdout).toMatch(
      /warm data tools\/call on every isolation tier, sequential depth <= 2 \| \S+ \| shared -?[\d.]+ \(\d+ req\/s\), schema -?[\d.]+ \(\d+ req\/s\), database /,
    );
  }, 120_000);

  it("runs each peer Worker next to ours: every peer answers initialize, tools/list and a tools/call in the lanes it serves", async (ctx) => {
    await requireServers(ctx, { postgres: DATABASE_URL, redis: REDIS_URL });
    const dir = await mkdtemp(join(tmpdir(), "tmcp-bench-peers-"));
    dirs.push(dir);
    const json = join(dir, "report.json");
    // Every peer under wrangler dev (its config must load and its bundle build), against the same local cloud.
    const { code, stdout, stderr } = await runBenchCli(
      [
        "--database-url",
        DATABASE_URL,
        "--redis-url",
        REDIS_URL,
        "--base-port",
        BASE_PORT,
        "--scenario",
        "initialize,tools/list,get_document",
        "--no-baseline",
        "--concurrency",
        "1",
        "--requests",
        "4",
        "--warmup",
        "1",
        "--latency",
        "0",
        "--micro-iterations",
        "10",
        "--documents",
        "5",
        "--no-bundle",
        // The waiting and notification stages are the first test's; here only the peers' lanes matter.
        "--wait-seconds",
        "0",
        "--notify",
        "0",
        // One fresh start of ours per lane, timed to its first request (two wrangler dev starts, a few seconds each).
        "--first-requests",
        "1",
        "--json",
        json,
      ],
      100_000,
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(await readFile(json, "utf8")) as BenchReport;
    expect(report.peers?.map((p) => p.name)).toEqual(["agents", "mcp-handler", "hono-mcp", "fastmcp"]);
    // The SDK v2 handlers serve 2026-07-28; @hono/mcp (SDK v1) and FastMCP's edge server do not, and say so.
    const stateless = Object.fromEntries(report.peers!.map((p) => [p.name, p.stateless.available]));
    expect(stateless).toEqual({ agents: true, "mcp-handler": true, "hono-mcp": false, fastmcp: false });
    for (const sc of report.scenarios) {
      const served = sc.scenario.lane === "session" ? PEER_NAMES : ["agents", "mcp-handler"];
      expect(Object.keys(sc.peers ?? {}).sort(), sc.label).toEqual([...served].sort());
      expect(Object.keys(sc.peersNotServed ?? {}).length, sc.label).toBe(PEER_NAMES.length - served.length);
      for (const [peer, t] of Object.entries(sc.peers ?? {})) {
        // Every answer checked (HTTP 200, a result, no isError), with the fixed token where the peer checks one.
        expect(t!.load.errors, `${sc.label} ${peer}: ${t!.load.firstError}`).toBe(0);
        expect(t!.load.sent).toBe(4);
        // No tenancy, no Redis: exactly the tool's one Neon HTTP query, and none for the others.
        const u = summarize(t!.load.upstream);
        expect(u.neonHttp, `${sc.label} ${peer}`).toBe(sc.scenario.name === "get_document" ? 1 : 0);
      }
    }
    // The CPU microbenchmark runs each peer's own handler in Node; each lists the ten tools.
    for (const peer of PEER_NAMES) {
      const r = report.micro!.results.find((m) => m.lane === "session" && m.impl === peer);
      expect(r?.tools, peer).toBe(10);
      expect(r!.cpuUs).toBeGreaterThan(0);
    }
    // A fresh Worker per lane answered its first request: the session lane's initialize, the stateless lane's
    // tools/list (when the lane is served).
    expect(report.firstRequests?.lanes.map((l) => `${l.lane} ${l.method}`)).toEqual([
      "session initialize",
      "stateless tools/list",
    ]);
    for (const l of report.firstRequests!.lanes.filter((x) => x.lane === "session" || report.stateless.available)) {
      expect(l.errors, l.firstError).toBe(0);
      expect(l.samples).toHaveLength(1);
      expect(l.medianMs).toBeGreaterThan(0);
    }
    expect(stdout).toContain("### First request after start-up");
    expect(stdout).toMatch(
      /first session-lane request after start-up no slower than before \| n\/a \| initialize median \d+ ms .*reported/,
    );
    expect(stdout).toContain("### Peers (issue 20)");
    expect(stdout).toContain("| ours ÷ fastmcp |");
    expect(stdout).toMatch(
      /session: tools\/list throughput >= every peer's \(issue 20\) \| (yes|\*\*no\*\*) \| ours \d+; agents/,
    );
  }, 120_000);

  it("turns commands per request into the ceiling of one Upstash database, of shards, and a cost per million", () => {
    const load = (upstream: Record<string, number>) => ({ load: { upstream } }) as unknown as TargetResult;
    const report = {
      scenarios: [
        {
          label: "session tools/list",
          scenario: { lane: "session", name: "tools/list" },
          ours: load({ upstash_command: 2 }),
        },
        {
          label: "stateless tools/call get_document",
          scenario: { lane: "stateless", name: "get_document" },
          ours: load({ upstash_command: 2.5, neon_http_transaction: 1 }),
        },
      ],
    } as unknown as BenchReport;
    const text = capacitySection(report).join("\n");
    // 10,000 commands/s over 2 per request; 3 and 10 shards; 2 commands at $0.20 per 100K = $4 per million calls.
    expect(text).toContain("| session tools/list | 2.00 | 0.00 | 5,000 | 15,000 | 50,000 | 4.00 | 0.30 |");
    expect(text).toContain(
      "| stateless tools/call get_document | 2.50 | 1.00 | 4,000 | 12,000 | 40,000 | 5.00 | 0.30 |",
    );
    expect(warmCommands(report, "stateless")).toEqual([{ name: "get_document", commands: 2.5 }]);
  });

  it("prints its help", async () => {
    const { code, stdout } = await runBenchCli(["--help"], 20_000);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: npm run bench");
  });
});

describe("bench options", () => {
  it("refuses a database whose name does not say bench, since it is dropped", () => {
    expect(() => parseBenchArgs(["--database-url", "postgres://postgres@127.0.0.1:5432/tenant_mcp"], {})).toThrow(
      UsageError,
    );
  });

  it("takes lists and bounds, and insists on a 0 ms reference delay", () => {
    const o = parseBenchArgs(["--scenario", "tools/list", "--lane", "stateless", "--latency", "0,50"], {});
    expect(o).toMatchObject({ scenarios: ["tools/list"], lanes: ["stateless"], latencies: [0, 50] });
    expect(() => parseBenchArgs(["--latency", "20"], {})).toThrow(/reference/);
    expect(() => parseBenchArgs(["--scenario", "tools/cal"], {})).toThrow(/unknown/);
    expect(() => parseBenchArgs(["--concurrency", "0"], {})).toThrow(/>= 1/);
  });

  it("runs every peer by default, a chosen list once each, or none", () => {
    expect((parseBenchArgs([], {}) as { peers: string[] }).peers).toEqual([...PEER_NAMES]);
    expect(parseBenchArgs(["--peers", "fastmcp,agents,fastmcp"], {})).toMatchObject({ peers: ["fastmcp", "agents"] });
    expect(parseBenchArgs(["--peers", "none"], {})).toMatchObject({ peers: [] });
    expect(() => parseBenchArgs(["--peers", "fastmcp,express"], {})).toThrow(/unknown "express"/);
    expect(() => parseBenchArgs(["--peers", ","], {})).toThrow(/empty list/);
    expect(parseBenchArgs([], {})).toMatchObject({ peerDurationMs: 8000 });
    expect(parseBenchArgs(["--peer-duration", "3"], {})).toMatchObject({ peerDurationMs: 3000 });
    expect(() => parseBenchArgs(["--peer-duration", "0"], {})).toThrow(/>= 1/);
  });

  it("profiles start-up 5 times and starts fresh 3 times per lane by default; a first-request baseline is two figures", () => {
    expect(parseBenchArgs([], {})).toMatchObject({
      startupRuns: 5,
      firstRequests: 3,
      firstRequestBaselineMs: undefined,
    });
    expect(
      parseBenchArgs(["--startup-runs", "1", "--first-requests", "0", "--first-request-baseline-ms", "120,95.5"], {}),
    ).toMatchObject({ startupRuns: 1, firstRequests: 0, firstRequestBaselineMs: { session: 120, stateless: 95.5 } });
    expect(() => parseBenchArgs(["--startup-runs", "0"], {})).toThrow(/>= 1/);
    expect(() => parseBenchArgs(["--first-request-baseline-ms", "120"], {})).toThrow(/two figures/);
    expect(() => parseBenchArgs(["--first-request-baseline-ms", "120,fast"], {})).toThrow(/not a number/);
  });
});

describe("bench arithmetic", () => {
  it("takes nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99)]).toEqual([50, 95, 99]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it("computes depth as extra median latency per unit of delay", () => {
    const samples = [
      { latencyMs: 0, p50: 12, errors: 0 },
      { latencyMs: 20, p50: 72, errors: 0 },
    ];
    expect(depthAt(samples, 20)).toBe(3);
    expect(depthAt(samples, 50)).toBeUndefined();
  });

  it("sums a bundle's bytes per npm package (scope included) and per folder of ours, largest first", () => {
    const meta = {
      outputs: {
        "index.js": {
          inputs: {
            "node_modules/zod/v4/core/schemas.js": { bytesInOutput: 300 },
            "node_modules/zod/v4/classic/schemas.js": { bytesInOutput: 200 },
            "node_modules/@upstash/redis/chunk.mjs": { bytesInOutput: 400 },
            "node_modules/@modelcontextprotocol/server/node_modules/zod/x.js": { bytesInOutput: 50 },
            "src/tools/core/get-document.ts": { bytesInOutput: 100 },
            "src/tools/define.ts": { bytesInOutput: 20 },
            "src/index.ts": { bytesInOutput: 10 },
          },
        },
        "index.js.map": {},
      },
    };
    expect(topContributors(meta, 3)).toEqual([
      { name: "zod", bytes: 550 },
      { name: "@upstash/redis", bytes: 400 },
      { name: "src/tools", bytes: 120 },
    ]);
  });

  it("counts only non-idle samples as start-up CPU", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: "(root)" } },
        { id: 2, callFrame: { functionName: "(idle)" } },
        { id: 3, callFrame: { functionName: "main" } },
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [2, 3, 3, 2],
      timeDeltas: [4000, 1000, 2000, 3000],
    };
    expect(startupTimes(profile)).toEqual({ startupActiveMs: 3, startupWindowMs: 10 });
  });

  it("keeps the median start-up profile and the range over all of them", () => {
    const runs = [180, 120, 150, 220, 140].map((ms) => ({ startupActiveMs: ms, startupWindowMs: ms + 100 }));
    expect(startupSummary(runs)).toEqual({
      startupActiveMs: 150,
      startupMinMs: 120,
      startupMaxMs: 220,
      startupRuns: 5,
      startupWindowMs: 250,
    });
  });

  it("judges start-up by the median, and the first requests by a baseline only when one is given", () => {
    const first = (lane: string, medianMs: number) => ({
      lane,
      method: lane === "session" ? "initialize" : "tools/list",
      samples: [medianMs],
      medianMs,
      minMs: medianMs,
      maxMs: medianMs,
      readyMedianMs: 3000,
      errors: 0,
    });
    const report = (baseline?: { session: number; stateless: number }) =>
      ({
        settings: { latencies: [0], ...(baseline ? { firstRequestBaselineMs: baseline } : {}) },
        stateless: { available: false },
        scenarios: [],
        listings: [],
        bundle: {
          ours: { bytes: 1, gzipBytes: 1, startupActiveMs: 45, startupMinMs: 40, startupMaxMs: 90, startupRuns: 5 },
        },
        firstRequests: { starts: 1, lanes: [first("session", 80), first("stateless", 60)] },
      }) as unknown as BenchReport;
    const row = (r: BenchReport, start: string) => checkTargets(r).find((c) => c.target.startsWith(start))!;
    expect(row(report(), "start-up at most 50 ms CPU")).toMatchObject({
      target: "start-up at most 50 ms CPU (wrangler check startup, median of 5)",
      met: true,
      figures: "median 45 ms CPU (40..90, 5 runs)",
    });
    expect(row(report(), "first session-lane")).toMatchObject({
      met: undefined,
      figures: expect.stringMatching(/reported$/),
    });
    const judged = report({ session: 100, stateless: 50 });
    expect(row(judged, "first session-lane")).toMatchObject({
      met: true,
      figures: expect.stringContaining("before 100 ms"),
    });
    expect(row(judged, "first stateless-lane")).toMatchObject({ met: false });
  });
});
