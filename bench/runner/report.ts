import { summarize } from "./counters.ts";
import { depthAt, othersOf, type BenchReport, type ScenarioResult, type TargetResult } from "./results.ts";
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
      `warm-up requests${s.durationS ? `, at most ${s.durationS} s per run${r.peers?.length ? ` (${s.peerDurationS} s for a peer)` : ""}` : ""}. Depth: ${s.depthConcurrency} client(s), ${s.depthRequests} requests per delay (${s.latencies.join(", ")} ms) ` +
      `in ${s.depthRounds} alternating rounds. ` +
      `Bench tenant: enterprise plan, ${s.documents} documents.`,
    "",
  );
  out.push(
    `Stateless (2026-07-28) lane: ${r.stateless.available ? "served" : "not served"} (${r.stateless.detail}).`,
    "",
  );

  if (r.peers?.length) {
    out.push("### Peers (issue 20)", "");
    out.push(
      "| peer | package | how it serves a request | auth in the bench | 2026-07-28 lane |",
      "|---|---|---|---|---|",
    );
    for (const p of r.peers)
      out.push(
        `| ${p.name} | ${p.package} ${p.version} | ${p.serving} | ${p.auth} | ${p.stateless.available ? "served" : `not served (${p.stateless.detail})`} |`,
      );
    out.push(
      "",
      "Each serves the naive baseline's tools (same names, argument schemas, one Neon HTTP query per call, no tenancy); " +
        "none keeps a session, so session-lane scenarios send 2025-11-25 requests without one.",
      "",
    );
  }

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
      "| lane | server | µs CPU | ours ÷ this | µs wall | tools | operations |",
      "|---|---|---|---|---|---|---|",
    );
    for (const lane of ["session", "stateless"] as const) {
      const ours = r.micro.results.find((x) => x.lane === lane && x.impl === "ours");
      for (const x of r.micro.results.filter((m) => m.lane === lane)) {
        out.push(
          `| ${lane} | ${x.impl} | ${x.cpuUs.toFixed(0)} | ${x.impl === "ours" || !ours ? "" : ratio(ours.cpuUs, x.cpuUs)} | ` +
            `${x.wallUs.toFixed(0)} | ${x.tools} | ${x.operations ?? r.micro!.iterations} |`,
        );
      }
    }
    out.push(
      "",
      `Median of 5 alternating rounds, up to ${r.micro.iterations} operations per variant (fewer for a slow one: a round is at most 1.5 s).${r.micro.notes.length ? ` Notes: ${r.micro.notes.join("; ")}.` : ""}`,
      "",
    );
  }

  if (r.bundle) {
    out.push("### Bundle and start-up", "");
    out.push(
      "| Worker | bundle | gzip | start-up CPU (ms), median | min..max | profiled window (ms) |",
      "|---|---|---|---|---|---|",
    );
    const bundles = [
      ["ours", r.bundle.ours],
      ["naive", r.bundle.naive],
      ...Object.entries(r.bundle.peers ?? {}),
    ] as const;
    for (const [name, b] of bundles) {
      if (b)
        out.push(
          `| ${name} | ${kib(b.bytes)} | ${kib(b.gzipBytes)} | ${b.startupActiveMs.toFixed(1)} | ` +
            `${b.startupMinMs === undefined ? "" : `${b.startupMinMs.toFixed(1)}..${b.startupMaxMs!.toFixed(1)}`} | ${b.startupWindowMs.toFixed(1)} |`,
        );
    }
    out.push(
      "",
      `\`wrangler deploy --dry-run --outdir\` (gzip per module) and \`wrangler check startup\` (local workerd profile, ` +
        `non-idle samples; median and range of ${r.bundle.ours.startupRuns ?? 1} profiles per Worker, of the same build).`,
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

  if (r.firstRequests) {
    const f = r.firstRequests;
    out.push("### First request after start-up", "");
    out.push(
      "| lane | request | median (ms) | min..max (ms) | answered | wrangler dev ready, median (ms) |",
      "|---|---|---|---|---|---|",
    );
    for (const l of f.lanes)
      out.push(
        `| ${l.lane} | ${l.method} | ${ms(l.medianMs)} | ${l.samples.length ? `${ms(l.minMs)}..${ms(l.maxMs)}` : "n/a"} | ` +
          `${l.samples.length}/${l.samples.length + l.errors} | ${ms(l.readyMedianMs)} |`,
      );
    out.push(
      "",
      `Our Worker started fresh under \`wrangler dev\` (a new workerd, modules evaluated again) ${f.starts} times per lane, ` +
        "the lanes alternating, before any other Worker runs; wall time of its first request from sending to the end of " +
        'the answer, 1 s after wrangler\'s "Ready on": a session-lane `initialize` and a stateless-lane `tools/list` ' +
        "with the `_meta` envelope, each with the bench tenant's API key (nothing cached in the isolate yet).",
      "",
    );
    for (const l of f.lanes) if (l.firstError) out.push(`First error (${l.lane}): ${l.firstError}`, "");
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

  out.push("### Targets (issues 7, 19, 20 and 21)", "");
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
  const others = othersOf(sc);
  const rows = [row("ours", sc.ours, latencies, delays), ...others.map(([id, t]) => row(id, t, latencies, delays))];
  const lines = [
    `#### ${sc.label}`,
    "",
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  for (const [id, t] of others) {
    const o = sc.ours.load;
    const n = t.load;
    lines.push(
      `| ours ÷ ${id} | ${ratio(o.rps, n.rps)} | ${ratio(o.p50, n.p50)} | ${ratio(o.p95, n.p95)} | ${ratio(o.p99, n.p99)} | | | | ` +
        `${latencies.map((l) => ratio(p50At(sc.ours, l), p50At(t, l))).join(" | ")} |${delays.map(() => " |").join("")}`,
    );
  }
  lines.push("", `ours per request: ${kinds(sc.ours)}`);
  for (const [id, t] of others) lines.push("", `${id} per request: ${kinds(t)}`);
  const notServed = Object.entries(sc.peersNotServed ?? {});
  if (notServed.length) lines.push("", `Not served: ${notServed.map(([id, why]) => `${id}, ${why}`).join("; ")}.`);
  for (const [id, t] of [["ours", sc.ours] as const, ...others]) {
    if (t.load.firstError) lines.push("", `First error (${id}): ${t.load.firstError}`);
  }
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
