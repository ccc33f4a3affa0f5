import {
  bearerOf,
  buildCall,
  checkAnswer,
  initializedNotification,
  type McpCall,
  type Scenario,
  type ScenarioData,
  type Target,
} from "./scenarios.ts";
import { perRequest, readCounters, resetCounters } from "./counters.ts";

/** How hard and how long to drive one scenario. */
export interface LoadOptions {
  concurrency: number;
  /** Measured requests; the run also stops at `durationMs`, whichever comes first. */
  requests: number;
  durationMs: number;
  /** Unmeasured requests first (JIT, connection pools, key cache). */
  warmup: number;
  /** Stops sending (Ctrl-C). */
  signal?: AbortSignal;
  /** Also return every successful request's latency (for pooling runs). Default false. */
  keepSamples?: boolean;
}

/** What one scenario run against one target measured. */
export interface LoadResult {
  /** Measured requests sent (successes and errors). */
  sent: number;
  errors: number;
  /** The first error's reason, for the report. */
  firstError?: string;
  elapsedMs: number;
  /** Successful requests per second over the measured window. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Local-cloud counters divided by `sent`. */
  upstream: Record<string, number>;
  /** Latencies of the successful requests, ascending, when asked for with `keepSamples`. */
  samples?: number[];
}

/** A request still unanswered after this long counts as an error, so a hung Worker cannot hang the bench. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Drives one scenario against one target with `concurrency` clients. Session-lane clients of a non-`initialize` scenario
 * open their session first (initialize + notifications/initialized, unmeasured), as an SDK client would. The cloud's
 * counters are reset after the warm-up and read after the measured requests.
 */
export async function runScenario(
  scenario: Scenario,
  target: Target,
  data: ScenarioData,
  o: LoadOptions,
  statsUrl: string,
): Promise<LoadResult> {
  const sessions =
    scenario.lane === "session" && scenario.name !== "initialize"
      ? await Promise.all(Array.from({ length: o.concurrency }, () => openSession(scenario, target, data)))
      : Array.from({ length: o.concurrency }, () => undefined);
  const send = (n: number, client: number): McpCall => buildCall(scenario, target, data, n, sessions[client]);

  if (o.warmup > 0) {
    const warm = await drive(target, send, o.concurrency, o.warmup, o.durationMs, o.signal);
    if (warm.errors === warm.sent) throw new Error(`every warm-up request failed: ${warm.firstError}`);
  }
  await resetCounters(statsUrl);
  const run = await drive(target, send, o.concurrency, o.requests, o.durationMs, o.signal);
  o.signal?.throwIfAborted();
  const counters = await readCounters(statsUrl);
  const sorted = run.latencies.sort((a, b) => a - b);
  return {
    sent: run.sent,
    errors: run.errors,
    ...(run.firstError ? { firstError: run.firstError } : {}),
    elapsedMs: run.elapsedMs,
    rps: run.elapsedMs > 0 ? (sorted.length * 1000) / run.elapsedMs : 0,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    upstream: perRequest(counters, run.sent),
    ...(o.keepSamples ? { samples: sorted } : {}),
  };
}

interface Drive {
  sent: number;
  errors: number;
  firstError?: string;
  latencies: number[];
  elapsedMs: number;
}

/** Sends up to `count` requests from `concurrency` clients, stopping early at `maxMs`. */
async function drive(
  target: Target,
  send: (n: number, client: number) => McpCall,
  concurrency: number,
  count: number,
  maxMs: number,
  signal: AbortSignal | undefined,
): Promise<Drive> {
  const started = performance.now();
  const deadline = started + maxMs;
  const out: Drive = { sent: 0, errors: 0, latencies: [], elapsedMs: 0 };
  let next = 0;
  const client = async (id: number): Promise<void> => {
    while (next < count && performance.now() < deadline && !signal?.aborted) {
      const call = send(next++, id);
      out.sent++;
      const t0 = performance.now();
      const failure = await post(target.url, call);
      if (failure) {
        out.errors++;
        out.firstError ??= failure;
      } else {
        out.latencies.push(performance.now() - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  out.elapsedMs = performance.now() - started;
  return out;
}

/** Sends one call; returns why it failed, or undefined. */
async function post(url: string, call: McpCall): Promise<string | undefined> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: call.headers,
      body: call.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return checkAnswer(call, res.status, res.headers.get("content-type") ?? "", text);
  } catch (err) {
    return `fetch failed: ${(err as Error).message}`;
  }
}

/**
 * Opens a session like an SDK client: initialize, then notifications/initialized, with the credential of `scenario`
 * (a session belongs to the credential that opened it). Returns the session id, or undefined for a stateless server
 * (the naive baseline), whose later requests carry none.
 */
async function openSession(scenario: Scenario, target: Target, data: ScenarioData): Promise<string | undefined> {
  const bearer = bearerOf(scenario, target, data);
  const init = buildCall({ lane: "session", name: "initialize" }, target, data, 0);
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(target.url, {
    method: "POST",
    headers: init.headers,
    body: init.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const failure = checkAnswer(init, res.status, res.headers.get("content-type") ?? "", await res.text());
  if (failure) throw new Error(`initialize failed on ${target.id}: ${failure}`);
  const sessionId = res.headers.get("mcp-session-id") ?? undefined;
  const note = initializedNotification(bearer, sessionId);
  const ack = await fetch(target.url, {
    method: "POST",
    headers: note.headers,
    body: note.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await ack.arrayBuffer();
  if (ack.status >= 300) throw new Error(`notifications/initialized failed on ${target.id}: HTTP ${ack.status}`);
  return sessionId;
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
