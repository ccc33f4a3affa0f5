// A hammered GET /healthz must not turn into one Postgres query and one Redis PING per call: callers of an isolate
// share one probe for HEALTHZ_CACHE_MS. Sent without CF-Connecting-IP, so the per-address throttle stays out of the
// way and only the sharing is measured. Counted with the local cloud's request counters, which only this file uses
// while it runs (the resilience project has a cloud of its own and runs its files one at a time).
import { SELF } from "cloudflare:test";
import { inject } from "vitest";
import { describe, expect, it } from "vitest";

const CALLS = 200;

async function stats(): Promise<Record<string, number>> {
  return (await (await fetch(inject("cloud").statsUrl)).json()) as Record<string, number>;
}

describe("a hammered /healthz", () => {
  it("costs the stores one probe per window, not one per call", async ({ annotate }) => {
    const before = await stats();
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: CALLS }, () => SELF.fetch("http://tenant-mcp.test/healthz").then((r) => r.status)),
    );
    const elapsed = Date.now() - started;
    const after = await stats();
    const queries = (after.neon_http_query ?? 0) - (before.neon_http_query ?? 0);
    const redisCalls = (after.upstash_request ?? 0) - (before.upstash_request ?? 0);
    await annotate(
      `healthz flood: ${CALLS} calls in ${elapsed} ms, ${queries} Postgres queries, ${redisCalls} Redis requests`,
      "summary",
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    // One probe per started window (1 s by default) of the flood, plus one for a window it straddles.
    const windows = Math.ceil(elapsed / 1000) + 1;
    expect(queries).toBeLessThanOrEqual(windows);
    expect(redisCalls).toBeLessThanOrEqual(windows);
  });
});
