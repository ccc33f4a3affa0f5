import { Redis } from "@upstash/redis/cloudflare";
import { documentUri } from "../../src/resources/documents.ts";
import { TenantFeed } from "../../src/streams/feed.ts";
import { openSlot } from "../../src/streams/slots.ts";
import { percentile } from "./load.ts";

/** What the notification measurement found (BENCHMARKS.md, "Notification streams"). */
export interface NotifyReport {
  updates: number;
  /** From the update's response to the notification on the subscriber's GET stream, ms. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Upstash commands one idle open stream cost per minute (local cloud counters, nothing else running). */
  idleCommandsPerMinute: number;
  /** CPU one idle stream's poll loop used per minute (the feed in Node against the same Upstash endpoint), ms. */
  idleCpuMsPerMinute: number;
  /** CPU per poll, ms. */
  cpuMsPerPoll: number;
}

/** Stream limits as wrangler.toml sets them. */
const LIMITS = { streamMaxPerTenant: 20, streamMaxPerSession: 2, streamPollMaxMs: 2000, streamIdleSeconds: 300 };

interface Target {
  url: string;
  apiKey: string;
  tenantId: string;
  documentId: string;
  upstashUrl: string;
  upstashToken: string;
  statsUrl: string;
}

/**
 * Opens a session subscribed to one document with its GET stream, then updates the document `updates` times from a
 * second session, each after a random pause of up to 2.5 s (so the stream's poll backoff is caught in every phase),
 * and times each notification. Then leaves the stream idle for `idleSeconds` and counts its Upstash commands, and runs
 * the same poll loop in this process for as long to read its CPU time.
 */
export async function measureNotifications(t: Target, updates: number, idleSeconds: number): Promise<NotifyReport> {
  const listener = await openSession(t);
  const uri = documentUri(t.documentId);
  await rpc(t, listener, "resources/subscribe", { uri });
  const stream = await fetch(t.url, {
    headers: { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": listener, accept: "text/event-stream" },
  });
  if (stream.status !== 200 || !stream.body) throw new Error(`GET /mcp: HTTP ${stream.status}`);
  const events = frames(stream.body);
  const writer = await openSession(t);
  const delays: number[] = [];
  for (let i = 0; i < updates; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 2500));
    await rpc(t, writer, "tools/call", {
      name: "update_document",
      arguments: { id: t.documentId, title: `Bench ${i}` },
    });
    const acked = performance.now();
    for (;;) {
      const frame = await events.next();
      if (frame.done) throw new Error("the stream ended during the measurement");
      if (frame.value.includes("notifications/resources/updated")) break;
    }
    delays.push(performance.now() - acked);
  }

  await fetch(`${t.statsUrl}/reset`, { method: "POST" });
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const stats = (await (await fetch(t.statsUrl)).json()) as Record<string, number>;
  const idleCommandsPerMinute = ((stats.upstash_command ?? 0) * 60) / idleSeconds;
  await events.return(undefined);

  const cpu = await idleCpu(t, idleSeconds);
  delays.sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    updates,
    p50Ms: round(percentile(delays, 50)),
    p95Ms: round(percentile(delays, 95)),
    maxMs: round(delays.at(-1) ?? Number.NaN),
    idleCommandsPerMinute: round(idleCommandsPerMinute),
    idleCpuMsPerMinute: round((cpu.cpuMs * 60) / idleSeconds),
    cpuMsPerPoll: Math.round((cpu.cpuMs / Math.max(1, cpu.polls)) * 1000) / 1000,
  };
}

/** The Worker's idle poll loop (src/streams/feed.ts) run here, where CPU time can be read: user + system time. */
async function idleCpu(t: Target, seconds: number): Promise<{ cpuMs: number; polls: number }> {
  const redis = new Redis({ url: t.upstashUrl, token: t.upstashToken, enableTelemetry: false });
  const slot = await openSlot(redis, t.tenantId, "bench-cpu", LIMITS, Date.now());
  const stop = new AbortController();
  let polls = 0;
  const counting = {
    evalsha: (...a: Parameters<Redis["evalsha"]>) => {
      polls++;
      return redis.evalsha(...a);
    },
    eval: (...a: Parameters<Redis["eval"]>) => redis.eval(...a),
  };
  // No session to check: a session lane stream's poll checks one more key in the same script, the same cost.
  const feed = new TenantFeed(
    {
      redis: counting as unknown as Redis,
      tenantId: t.tenantId,
      member: slot.member,
      limits: LIMITS,
      now: Date.now,
      signal: stop.signal,
    },
    undefined,
  );
  await feed.poll();
  const before = process.cpuUsage();
  const timer = setTimeout(() => stop.abort(), seconds * 1000);
  await feed.run(
    async () => 0,
    () => {},
  );
  clearTimeout(timer);
  const used = process.cpuUsage(before);
  await slot.release();
  return { cpuMs: (used.user + used.system) / 1000, polls };
}

async function openSession(t: Target): Promise<string> {
  const res = await fetch(t.url, {
    method: "POST",
    headers: headers(t),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench-notify", version: "1" } },
    }),
  });
  const id = res.headers.get("mcp-session-id");
  await res.text();
  if (!id) throw new Error(`initialize: HTTP ${res.status}`);
  return id;
}

async function rpc(t: Target, session: string, method: string, params: unknown): Promise<void> {
  const res = await fetch(t.url, {
    method: "POST",
    headers: { ...headers(t), "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method, params }),
  });
  const text = await res.text();
  if (res.status !== 200 || text.includes('"error"') || text.includes('"isError":true'))
    throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
}

function headers(t: Target): Record<string, string> {
  return {
    authorization: `Bearer ${t.apiKey}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
}

/** The SSE frames of a body, as text. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<string, void, undefined> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const cut = buffer.indexOf("\n\n");
      if (cut >= 0) {
        yield buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
