import { summarize } from "./counters.ts";
import { depthAt, type BenchReport, type ScenarioResult, type TargetResult } from "./results.ts";
import { checkTargets, DEPTH_TOLERANCE, kib } from "./targets.ts";
import { capacitySection } from "./capacity.ts";

/** The whole report as Markdown: readable in a terminal, and pasted as is into BENCHMARKS.md. */
export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`## Run of ${r.startedAt}`, "");
  out.push(`Command: \`${r.command}\``, "");
  out.push(
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB memory; Node ${m.node}; workerd ${m.workerd} ` +
      `(wrangler ${m.wrangler}); ${m.postgres}; Redis ${m.redis}.`,
    "",
  );
  const s = r.settings;
  out.push(
    `Load: ${s.concurrency} concurrent clients, ${s.requests} measured requests per scenario and Worker after ${s.warmup} ` +
      `warm-up requests. Depth: ${s.depthConcurrency} client(s), ${s.depthRequests} requests per delay (${s.latencies.join(", ")} ms) ` +
      `in ${s.depthRounds} alternating rounds. ` +
      `Bench tenant: enterprise plan, ${s.documents} documents.`,
    "",
  );
  out.push(
    `Stateless (2026-07-28) lane: ${r.stateless.available ? "served" : "not served"} (${r.stateless.detail}).`,
    "",
  );

  out.push("### Scenarios", "");
  out.push(
    "Latencies in ms. Upstream columns count requests the local cloud served per MCP request: Redis = Upstash REST " +
      "requests (commands), Neon = HTTP queries or transactions (statements). Depth = (p50 with delay - p50 without) / " +
      "delay, from separate sequential runs with the cloud restarted per delay (seq p50 columns).",
    "",
  );
  for (const sc of r.scenarios) out.push(...scenarioTable(sc, s.latencies), "");
  out.push(...capacitySection(r), "");

  if (r.micro) {
    out.push("### CPU: per-request server build + tools/list (plain Node)", "");
    out.push(
      "| lane | ours µs CPU | naive µs CPU | ours ÷ naive | ours µs wall | naive µs wall | tools (ours/naive) |",
      "|---|---|---|---|---|---|---|",
    );
    for (const lane of ["session", "stateless"] as const) {
      const ours = r.micro.results.find((x) => x.lane === lane && x.impl === "ours");
      const naive = r.micro.results.find((x) => x.lane === lane && x.impl === "naive");
      if (!ours || !naive) continue;
      out.push(
        `| ${lane} | ${ours.cpuUs.toFixed(0)} | ${naive.cpuUs.toFixed(0)} | ${ratio(ours.cpuUs, naive.cpuUs)} | ${ours.wallUs.toFixed(0)} | ` +
          `${naive.wallUs.toFixed(0)} | ${ours.tools}/${naive.tools} |`,
      );
    }
    out.push(
      "",
      `Median of 5 alternating rounds, ${r.micro.iterations} operations per variant.${r.micro.notes.length ? ` Notes: ${r.micro.notes.join("; ")}.` : ""}`,
      "",
    );
  }

  if (r.bundle) {
    out.push("### Bundle and start-up", "");
    out.push("| Worker | bundle | gzip | start-up CPU (ms) | profiled window (ms) |", "|---|---|---|---|---|");
    for (const [name, b] of Object.entries(r.bundle)) {
      if (b)
        out.push(
          `| ${name} | ${kib(b.bytes)} | ${kib(b.gzipBytes)} | ${b.startupActiveMs.toFixed(1)} | ${b.startupWindowMs.toFixed(1)} |`,
        );
    }
    out.push(
      "",
      "`wrangler deploy --dry-run --outdir` (gzip per module) and `wrangler check startup` (local workerd profile).",
      "",
    );
    const top = r.bundle.ours.contributors;
    if (top.length) {
      out.push(
        `Largest contributors to ours (raw bytes in the bundle, from its esbuild metafile): ${top
          .map((c) => `${c.name} ${kib(c.bytes)}`)
          .join(", ")}.`,
        "",
      );
    }
  }

  if (r.listings.length) {
    out.push("### tools/list size", "");
    out.push("| plan | lane | tools | bytes |", "|---|---|---|---|");
    for (const l of r.listings) out.push(`| ${l.plan} | ${l.lane} | ${l.tools} | ${kib(l.bytes)} |`);
    out.push("", '`{"tools": [...]}` as the Worker serves it: what a client passes on to the model.', "");
  }

  if (r.sessions) {
    const x = r.sessions;
    out.push("### Bytes per session", "");
    out.push(
      "| sessions stored | record bytes (mean) | record bytes (max) | Redis memory per session |",
      "|---|---|---|---|",
    );
    out.push(`| ${x.sessions} | ${x.valueBytes} | ${x.maxValueBytes} | ${x.memoryBytes} |`);
    out.push(
      "",
      "The bench tenant's sessions after the runs: STRLEN of each record, and MEMORY USAGE of the records plus the " +
        "tenant's live-session index, per session. Goal: at most 1 KiB per session; the count is capped by SESSION_MAX_PER_TENANT.",
      "",
    );
  }

  if (r.waiting) {
    const w = r.waiting;
    out.push("### A call waiting for its client's answer (session lane)", "");
    out.push(
      "| unanswered wait | CPU | CPU per waiting second | Redis commands | answer to call, p50 | answer to call, max |",
      "|---|---|---|---|---|---|",
    );
    out.push(
      `| ${(w.waitMs / 1000).toFixed(0)} s | ${w.cpuMs.toFixed(1)} ms | ${(w.cpuMs / (w.waitMs / 1000)).toFixed(2)} ms | ` +
        `${w.commands} | ${w.deliveryP50Ms.toFixed(0)} ms | ${w.deliveryMaxMs.toFixed(0)} ms |`,
    );
    out.push(
      "",
      "The Worker's rendezvous code (src/rendezvous/) with its Upstash client, timed in the bench's Node process against " +
        "the local cloud (Node's fetch: an upper bound of the Worker's CPU). Commands: the open, one GETDEL per poll " +
        `(backoff 50 ms doubling to 1 s), the close. Delivery: ${w.answered} answers handed over 0.2-3 s into a wait.`,
      "",
    );
  }

  if (r.notify) {
    const n = r.notify;
    out.push("### Notification streams", "");
    out.push(
      "| updates | delay p50 | delay p95 | max | idle stream: Upstash commands/min | idle stream: CPU ms/min | CPU ms per poll |",
      "|---|---|---|---|---|---|---|",
    );
    out.push(
      `| ${n.updates} | ${n.p50Ms} ms | ${n.p95Ms} ms | ${n.maxMs} ms | ${n.idleCommandsPerMinute} | ${n.idleCpuMsPerMinute} | ${n.cpuMsPerPoll} |`,
    );
    out.push(
      "",
      "From an `update_document` response to `notifications/resources/updated` on another session's GET stream, " +
        "updates spaced 0-2.5 s apart at random; then one idle stream's Upstash commands (local cloud counters) and " +
        "its poll loop's CPU time (the same loop in Node). Bound: 60000 / STREAM_POLL_MAX_MS commands a minute.",
      "",
    );
  }

  out.push("### Targets (issues 7 and 21)", "");
  out.push("| target | met | figures |", "|---|---|---|");
  for (const t of checkTargets(r))
    out.push(`| ${t.target} | ${t.met === undefined ? "n/a" : t.met ? "yes" : "**no**"} | ${t.figures} |`);
  out.push("", `Depth targets allow ${DEPTH_TOLERANCE} for noise (twice that for a difference of two depths).`);
  return out.join("\n");
}

function scenarioTable(sc: ScenarioResult, latencies: number[]): string[] {
  const delays = latencies.filter((l) => l > 0);
  const head = [
    "",
    "req/s",
    "p50",
    "p95",
    "p99",
    "errors",
    "Redis/req",
    "Neon/req",
    ...latencies.map((l) => `seq p50 @${l}ms`),
    ...delays.map((l) => `depth @${l}ms`),
  ];
  const rows = [
    row("ours", sc.ours, latencies, delays),
    ...(sc.naive ? [row("naive", sc.naive, latencies, delays)] : []),
  ];
  const lines = [
    `#### ${sc.label}`,
    "",
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  if (sc.naive) {
    const o = sc.ours.load;
    const n = sc.naive.load;
    lines.push(
      `| ours ÷ naive | ${ratio(o.rps, n.rps)} | ${ratio(o.p50, n.p50)} | ${ratio(o.p95, n.p95)} | ${ratio(o.p99, n.p99)} | | | | ` +
        `${latencies.map((l) => ratio(p50At(sc.ours, l), p50At(sc.naive!, l))).join(" | ")} |${delays.map(() => " |").join("")}`,
    );
  }
  lines.push("", `ours per request: ${kinds(sc.ours)}`);
  if (sc.naive) lines.push("", `naive per request: ${kinds(sc.naive)}`);
  const error = sc.ours.load.firstError ?? sc.naive?.load.firstError;
  if (error) lines.push("", `First error: ${error}`);
  return lines;
}

function row(name: string, t: TargetResult, latencies: number[], delays: number[]): string[] {
  const l = t.load;
  const u = summarize(l.upstream);
  return [
    name,
    l.rps.toFixed(0),
    ms(l.p50),
    ms(l.p95),
    ms(l.p99),
    `${l.errors}/${l.sent}`,
    `${u.redisHttp.toFixed(2)} (${u.redisCommands.toFixed(2)})`,
    `${u.neonHttp.toFixed(2)} (${u.neonStatements.toFixed(2)})`,
    ...latencies.map((lat) => ms(p50At(t, lat))),
    ...delays.map((d) => {
      const depth = depthAt(t.depth, d);
      return depth === undefined ? "n/a" : depth.toFixed(2);
    }),
  ];
}

function p50At(t: TargetResult, latencyMs: number): number {
  return t.depth.find((d) => d.latencyMs === latencyMs)?.p50 ?? Number.NaN;
}

function kinds(t: TargetResult): string {
  const entries = Object.entries(t.load.upstream).filter(([, v]) => v > 0);
  return entries.length ? entries.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ") : "no upstream requests";
}

function ms(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : "n/a";
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "n/a";
}
