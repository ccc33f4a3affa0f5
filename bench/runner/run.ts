import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCloud, type CloudProcess } from "../../local-cloud/child.ts";
import { readDotenv } from "../../local-cloud/dev-vars.ts";
import { dropDatabase } from "../../local-cloud/fresh.ts";
import { measureBundle } from "./bundle.ts";
import { measureFirstRequests } from "./first-request.ts";
import { measureListings } from "./listing.ts";
import { seedBenchData, type BenchData } from "./data.ts";
import { percentile, runScenario, type LoadOptions } from "./load.ts";
import type { MicroReport } from "./microbench.ts";
import type { BenchOptions } from "./options.ts";
import { benchPorts, type BenchPorts } from "./ports.ts";
import { machine, postgresVersion, redisVersion } from "./machine.ts";
import { measureSessions } from "./sessions.ts";
import { measureWaiting } from "./waiting.ts";
import { measureNotifications } from "./notify.ts";
import { resultOf, setResultOf, type BenchReport, type PeerReport, type ScenarioResult } from "./results.ts";
import { PEERS, peerVersion, type PeerName } from "./peers.ts";
import { obtainOAuthToken } from "./oauth.ts";
import {
  buildCall,
  checkAnswer,
  isOAuthScenario,
  isOursOnly,
  scenarioLabel,
  tierOf,
  type DedicatedTier,
  type Scenario,
  type Target,
} from "./scenarios.ts";
import { dropTenantDatabases } from "../../scripts/lib/tenant-databases.ts";
import { ROOT } from "./wrangler.ts";
import { PEER_TOKEN } from "../peers/shared.ts";
import { connect, localCloudConnection } from "../../scripts/admin/connect.ts";
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.ts";

/** Progress messages go here (stderr), the report to stdout. */
type Log = (message: string) => void;

const NAIVE_CONFIG = "bench/naive-worker/wrangler.toml";

/**
 * One whole benchmark run: bundle and start-up, the CPU microbenchmark (both while nothing else runs), then the local
 * cloud, our Worker's first request after fresh starts, our Worker, the naive one and the peers under wrangler dev, the throughput runs, and the depth runs with the cloud restarted per delay.
 * Everything started is stopped before it returns, also on failure.
 */
export async function runBench(o: BenchOptions, command: string, log: Log, signal?: AbortSignal): Promise<BenchReport> {
  const work = await mkdtemp(join(tmpdir(), "tmcp-bench-"));
  const stops: (() => Promise<void>)[] = [];
  try {
    const report: BenchReport = {
      startedAt: new Date().toISOString(),
      command,
      machine: await machine(),
      settings: {
        concurrency: o.concurrency,
        requests: o.requests,
        warmup: o.warmup,
        latencies: o.latencies,
        depthRequests: o.depthRequests,
        depthConcurrency: o.depthConcurrency,
        depthRounds: o.depthRounds,
        documents: o.documents,
        durationS: o.durationMs / 1000,
        peerDurationS: o.peerDurationMs / 1000,
        startupRuns: o.bundle ? o.startupRuns : undefined,
        firstRequestBaselineMs: o.firstRequestBaselineMs,
      },
      stateless: { available: false, detail: "not probed" },
      scenarios: [],
      listings: measureListings(),
    };

    if (o.bundle) {
      log(
        `measuring bundle size and start-up (wrangler deploy --dry-run, wrangler check startup ${o.startupRuns} times)`,
      );
      const ours = await measureBundle("wrangler.toml", join(work, "bundle-ours"), o.startupRuns);
      log(
        `start-up: median ${ours.startupActiveMs.toFixed(0)} ms CPU (${ours.startupMinMs?.toFixed(0)}..${ours.startupMaxMs?.toFixed(0)})`,
      );
      const naive = o.baseline
        ? await measureBundle(NAIVE_CONFIG, join(work, "bundle-naive"), o.startupRuns)
        : undefined;
      report.bundle = { ours, ...(naive ? { naive } : {}) };
      for (const peer of o.peers) {
        signal?.throwIfAborted();
        const measured = await measureBundle(PEERS[peer].config, join(work, `bundle-${peer}`), o.startupRuns);
        report.bundle.peers = { ...report.bundle.peers, [peer]: measured };
      }
    }
    signal?.throwIfAborted();
    if (o.microIterations > 0) {
      log(`CPU microbenchmark (${o.microIterations} operations per variant)`);
      report.micro = await microbenchChild(o.microIterations, o.peers);
    }

    signal?.throwIfAborted();
    const ports = await benchPorts(o.basePort, o.peers.length);
    const devVars = join(work, "worker.env");
    log(`local cloud over ${redact(o.databaseUrl)} (dropped and re-created) and ${o.redisUrl}`);
    await dropTenantDatabases(o.databaseUrl);
    await dropDatabase(o.databaseUrl);
    let cloud = await startBenchCloud(o, ports, devVars, 0, true);
    stops.push(() => cloud.stop());
    report.machine.postgres = await postgresVersion(cloud.ready.adminDatabaseUrl);
    report.machine.redis = await redisVersion(cloud.ready.upstashUrl, cloud.ready.upstashToken);

    const workerVars = await readDotenv(devVars);
    const control = connect(localCloudConnection(cloud.ready, workerVars));
    // A tenant of its own on each isolation tier a scenario calls (the shared tier's is the bench tenant).
    const tiers = [
      ...new Set(o.scenarios.map((name) => tierOf({ lane: "session", name })).filter((t) => t !== undefined)),
    ] as DedicatedTier[];
    const data = await seedBenchData(control, cloud.ready.adminDatabaseUrl, o.documents, tiers, {
      adminDatabaseUrl: cloud.ready.adminDatabaseUrl,
      dataSecretKey: workerVars.DATA_SECRET_KEY ?? "",
    });
    log(
      `seeded tenant ${data.tenantId} with ${data.documentIds.length} documents` +
        (tiers.length ? `, and one such tenant on each of the ${tiers.join(" and ")} tiers` : ""),
    );

    const naiveEnv = join(work, "naive.env");
    await writeFile(
      naiveEnv,
      `DATABASE_URL=${JSON.stringify(cloud.ready.adminDatabaseUrl)}\nLOCAL_NEON_HTTP_ENDPOINT=${JSON.stringify(cloud.ready.neonHttpEndpoint)}\n`,
      { mode: 0o600 },
    );
    const quiet = (): void => {};
    const startOurs = (): Promise<WranglerDev> =>
      startWranglerDev({
        port: ports.worker,
        envFiles: [devVars],
        // OAuth on the Worker's own origin; tokens that outlive the longest run (the OAuth scenario signs in once).
        vars: { PUBLIC_BASE_URL: `http://127.0.0.1:${ports.worker}`, OAUTH_ACCESS_TOKEN_TTL_SECONDS: "86400" },
        log: quiet,
      });
    if (o.firstRequests > 0) {
      // Before the other Workers start, so nothing else is running: each start is a new wrangler dev (a new workerd
      // that evaluates the modules again), on our Worker's port, timed to its first answer.
      log(`first request after start-up: ${o.firstRequests} fresh starts per lane (${o.lanes.join(", ")})`);
      report.firstRequests = await measureFirstRequests({
        start: startOurs,
        port: ports.worker,
        data,
        lanes: o.lanes,
        starts: o.firstRequests,
        log,
        signal,
      });
    }
    log(
      "starting the Worker" +
        (o.baseline ? ", the naive Worker" : "") +
        (o.peers.length ? `, the peers (${o.peers.join(", ")})` : "") +
        " with wrangler dev",
    );
    const workers = await Promise.allSettled([
      startOurs(),
      o.baseline
        ? startWranglerDev({ port: ports.naive, config: NAIVE_CONFIG, envFiles: [naiveEnv], log: quiet })
        : Promise.resolve(undefined),
      // The peers take the naive Worker's bindings: the same superuser and the same Neon HTTP endpoint.
      ...o.peers.map((peer, i) =>
        startWranglerDev({ port: ports.peers[i]!, config: PEERS[peer].config, envFiles: [naiveEnv], log: quiet }),
      ),
    ]);
    for (const w of workers) if (w.status === "fulfilled" && w.value) stops.push(w.value.stop);
    for (const w of workers) if (w.status === "rejected") throw w.reason;
    const ours = (workers[0] as PromiseFulfilledResult<WranglerDev>).value;
    const naive = (workers[1] as PromiseFulfilledResult<WranglerDev | undefined>).value;
    const peerTargets: Target[] = o.peers.map((peer, i) => ({
      id: peer,
      url: `${(workers[2 + i] as PromiseFulfilledResult<WranglerDev>).value.url}/mcp`,
      apiKey: PEER_TOKEN,
    }));
    const targets: Target[] = [
      { id: "ours", url: `${ours.url}/mcp`, apiKey: data.apiKey },
      ...(naive ? [{ id: "naive", url: `${naive.url}/mcp` }] : []),
      ...peerTargets,
    ];

    report.stateless = await probeStateless(targets[0]!, data);
    log(`stateless lane: ${report.stateless.available ? "served" : "not served"} (${report.stateless.detail})`);
    if (o.peers.length) report.peers = [];
    for (const [i, peer] of o.peers.entries()) {
      const stateless = await probeStateless(peerTargets[i]!, data);
      report.peers!.push({ name: peer, ...peerFacts(peer), stateless });
      log(`${peer}: stateless lane ${stateless.available ? "served" : "not served"} (${stateless.detail})`);
    }
    const peerServes = (peer: string, s: Scenario): string | undefined => {
      const facts = report.peers?.find((p) => p.name === peer);
      return s.lane === "stateless" && !facts?.stateless.available
        ? `no 2026-07-28 lane (${facts?.stateless.detail ?? "not probed"})`
        : undefined;
    };
    const scenarios = o.lanes
      .filter((lane) => lane === "session" || report.stateless.available)
      .flatMap((lane) => o.scenarios.map((name): Scenario => ({ lane, name })));
    if (scenarios.some(isOAuthScenario)) {
      data.oauthToken = await obtainOAuthToken(ours.url, targets[0]!.url, data.slug, data.apiKey);
      log("signed in to the bench tenant with OAuth (registration, sign-in page, code exchange)");
    }
    // The naive Worker and the peers have no OAuth and no isolation tiers: those scenarios run against ours only. A
    // peer runs a stateless-lane scenario only when it answered the stateless probe.
    const targetsOf = (s: Scenario): Target[] =>
      isOursOnly(s)
        ? targets.filter((t) => t.id === "ours")
        : targets.filter((t) => t.id === "ours" || t.id === "naive" || peerServes(t.id, s) === undefined);

    const load: LoadOptions = {
      concurrency: o.concurrency,
      requests: o.requests,
      durationMs: o.durationMs,
      warmup: o.warmup,
      signal,
    };
    for (const scenario of scenarios) {
      const result: Partial<ScenarioResult> & { scenario: Scenario } = { scenario, label: scenarioLabel(scenario) };
      for (const target of targetsOf(scenario)) {
        log(`${result.label}: ${target.id}, ${o.concurrency} clients`);
        const peer = target.id !== "ours" && target.id !== "naive";
        const measured = await runScenario(
          scenario,
          target,
          data,
          peer ? { ...load, durationMs: Math.min(load.durationMs, o.peerDurationMs) } : load,
          cloud.ready.statsUrl,
        );
        setResultOf(result, target.id, { load: measured, depth: [] });
      }
      if (!isOursOnly(scenario)) {
        for (const peer of o.peers) {
          const why = peerServes(peer, scenario);
          if (why) result.peersNotServed = { ...result.peersNotServed, [peer]: why };
        }
      }
      report.scenarios.push(result as ScenarioResult);
    }
    // After the throughput runs: the initialize scenario has opened more sessions than the per-tenant cap.
    report.sessions = await measureSessions(cloud.ready.upstashUrl, cloud.ready.upstashToken, data.tenantId);
    if (o.waitSeconds > 0) {
      log(`a call waiting ${o.waitSeconds} s for its client's answer: CPU and Redis commands`);
      report.waiting = await measureWaiting(cloud.ready.upstashUrl, cloud.ready.upstashToken, o.waitSeconds * 1000);
      log(
        `waiting: ${report.waiting.cpuMs.toFixed(1)} ms CPU and ${report.waiting.commands} Redis commands over ${o.waitSeconds} s`,
      );
    }
    if (report.sessions)
      log(
        `sessions: ${report.sessions.sessions} stored, ${report.sessions.valueBytes} bytes per record, ${report.sessions.memoryBytes} bytes of Redis memory per session`,
      );

    if (o.notifyUpdates > 0) {
      // 30 s of an idle stream at the default; a tiny run (the bench's own test) idles 3 s per update.
      const idleSeconds = Math.min(30, 3 * o.notifyUpdates);
      log(
        `notification streams: ${o.notifyUpdates} document updates to a subscribed GET stream, then ${idleSeconds} s idle`,
      );
      report.notify = await measureNotifications(
        {
          url: targets[0]!.url,
          apiKey: data.apiKey,
          tenantId: data.tenantId,
          documentId: data.documentIds[0]!,
          upstashUrl: cloud.ready.upstashUrl,
          upstashToken: cloud.ready.upstashToken,
          statsUrl: cloud.ready.statsUrl,
        },
        o.notifyUpdates,
        idleSeconds,
      );
      const n = report.notify;
      log(`notifications: p50 ${n.p50Ms} ms, p95 ${n.p95Ms} ms; idle stream ${n.idleCommandsPerMinute} commands/min`);
    }

    if (o.latencies.length > 1) {
      const depthLoad: LoadOptions = {
        concurrency: o.depthConcurrency,
        requests: Math.max(1, Math.ceil(o.depthRequests / o.depthRounds)),
        durationMs: o.durationMs,
        warmup: Math.min(o.warmup, 10),
        signal,
        keepSamples: true,
      };
      // Rounds in ABBA order (0, 20, 20, 0, ...): the machine's load drifts, and alternating cancels a steady drift
      // instead of charging it all to one delay. One cloud restart per change of delay.
      const pooled = new Map<string, { samples: number[]; errors: number }>();
      for (let round = 0; round < o.depthRounds; round++) {
        for (const latencyMs of round % 2 === 0 ? o.latencies : [...o.latencies].reverse()) {
          signal?.throwIfAborted();
          if (latencyMs !== cloud.latencyMs) {
            log(`restarting the local cloud with ${latencyMs} ms per upstream request`);
            await cloud.stop();
            cloud = await startBenchCloud(o, ports, devVars, latencyMs, false);
          }
          for (const [i, sc] of report.scenarios.entries()) {
            for (const target of targetsOf(sc.scenario)) {
              log(
                `${sc.label}: ${target.id}, sequential, +${latencyMs} ms per upstream request (round ${round + 1}/${o.depthRounds})`,
              );
              const measured = await runScenario(sc.scenario, target, data, depthLoad, cloud.ready.statsUrl);
              const key = `${i} ${target.id} ${latencyMs}`;
              const pool = pooled.get(key) ?? { samples: [], errors: 0 };
              pool.samples.push(...(measured.samples ?? []));
              pool.errors += measured.errors;
              pooled.set(key, pool);
            }
          }
        }
      }
      for (const [i, sc] of report.scenarios.entries()) {
        for (const target of targetsOf(sc.scenario)) {
          for (const latencyMs of o.latencies) {
            const pool = pooled.get(`${i} ${target.id} ${latencyMs}`) ?? { samples: [], errors: 0 };
            const p50 = percentile(
              pool.samples.sort((a, b) => a - b),
              50,
            );
            resultOf(sc, target.id)!.depth.push({ latencyMs, p50, errors: pool.errors });
          }
        }
      }
    }
    return report;
  } finally {
    // Workers first (they hold connections to the cloud), then the cloud.
    for (const stop of stops.reverse())
      await stop().catch((err: unknown) => log(`while stopping: ${(err as Error).message}`));
    await rm(work, { recursive: true, force: true });
  }
}

interface BenchCloud extends CloudProcess {
  latencyMs: number;
}

/** The cloud on the run's fixed ports; its .env file keeps the Upstash token and pepper across restarts. */
async function startBenchCloud(
  o: BenchOptions,
  ports: BenchPorts,
  devVars: string,
  latencyMs: number,
  migrate: boolean,
): Promise<BenchCloud> {
  const cloud = await spawnCloud(
    [
      "--database-url",
      o.databaseUrl,
      "--redis-url",
      o.redisUrl,
      "--neon-port",
      String(ports.neon),
      "--upstash-port",
      String(ports.upstash),
      "--latency-ms",
      String(latencyMs),
      "--dev-vars",
      devVars,
      ...(migrate ? [] : ["--no-migrate"]),
    ],
    { stderr: "capture" },
  );
  if (cloud.ready.engines.postgres !== "server" || cloud.ready.engines.redis !== "server") {
    await cloud.stop();
    throw new Error(
      `the bench needs the real servers; the cloud fell back to ${JSON.stringify(cloud.ready.engines)}:\n${cloud.log()}`,
    );
  }
  return { ...cloud, latencyMs };
}

/** Sends a stateless `server/discover`; the lane is served when it answers with a result. */
async function probeStateless(target: Target, data: BenchData): Promise<BenchReport["stateless"]> {
  const call = buildCall({ lane: "stateless", name: "initialize" }, target, data, 0);
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: call.headers,
      body: call.body,
      signal: AbortSignal.timeout(10_000),
    });
    const failure = checkAnswer(call, res.status, res.headers.get("content-type") ?? "", await res.text());
    return failure
      ? { available: false, detail: `server/discover got ${failure.slice(0, 120)}` }
      : { available: true, detail: "server/discover answered" };
  } catch (err) {
    return { available: false, detail: `server/discover failed: ${(err as Error).message}` };
  }
}

/** What the report says about a peer besides its figures and lanes. */
function peerFacts(peer: PeerName): Omit<PeerReport, "name" | "stateless"> {
  const spec = PEERS[peer];
  return { package: spec.package, version: peerVersion(peer), auth: spec.auth, serving: spec.serving };
}

/** Runs the microbenchmark in a fresh Node process, so its module state and heap are its own. */
function microbenchChild(iterations: number, peers: readonly PeerName[]): Promise<MicroReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "bench/runner/microbench.ts"),
        "--iterations",
        String(iterations),
        "--peers",
        peers.length ? peers.join(",") : "none",
      ],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-8000)));
    // Bounded: a microbenchmark that takes ten minutes is broken.
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout) as MicroReport);
      else reject(new Error(`microbenchmark exited with ${code}:\n${stderr}`));
    });
  });
}

function redact(url: string): string {
  const u = new URL(url);
  u.password = "";
  return u.toString();
}
