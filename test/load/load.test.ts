// A bounded load run: 3 tenants x 20 concurrent sessions x REQUESTS requests each, all at once, through the Worker
// (SELF.fetch) and the local cloud. Proves: zero 5xx, zero cross-tenant results, and each tenant served exactly its
// per-minute limit (every request beyond it a 429) within one rate-limit window.
import { describe, expect, it } from "vitest";
import { createTenant, openSession, post, type TestTenant } from "../worker/support/fixtures.ts";

const SESSIONS = 20;
/** Requests per session after initialize. */
const REQUESTS = 25;
/**
 * Per-minute limits. Each tenant sends SESSIONS * (REQUESTS + 1) = 520 requests: two run into their own limit at
 * different points, the third stays under its limit and must see no 429 at all.
 */
const LIMITS = [150, 300, 600];
const WINDOW_MS = 60_000;

interface LoadTenant extends TestTenant {
  limit: number;
  /** Unique text in every title and body of this tenant's documents: seeing it elsewhere is a leak. */
  tag: string;
}

interface Tally {
  status: Map<number, number>;
  /** 200 answers whose limiter fell back to its RATE_LIMIT_ON_ERROR policy (no remaining count). */
  degraded: number;
  crossTenant: string[];
  wrong: string[];
}

/** The request a session sends as its `i`-th: a mix of listing, reading, searching and probing the other tenants. */
function request(
  i: number,
  own: LoadTenant,
  other: LoadTenant,
): { body: Record<string, unknown>; check: (result: unknown) => string | null } {
  const call = (name: string, args: Record<string, unknown>): Record<string, unknown> => ({
    jsonrpc: "2.0",
    id: i,
    method: "tools/call",
    params: { name, arguments: args },
  });
  const ok = (text: string) => (r: unknown) => (JSON.stringify(r).includes(text) ? null : `expected ${text}`);
  switch (i % 5) {
    case 0:
      return { body: { jsonrpc: "2.0", id: i, method: "tools/list" }, check: ok("list_documents") };
    case 1:
      return { body: call("list_documents", { workspace_id: own.workspaceId }), check: ok(own.documentIds[0]!) };
    case 2:
      return { body: call("get_document", { id: own.documentIds[i % own.documentIds.length] }), check: ok(own.tag) };
    case 3:
      // Another tenant's document: exactly the answer for an id that exists nowhere.
      return {
        body: call("get_document", { id: other.documentIds[0] }),
        check: (r) =>
          JSON.stringify(r).includes('"isError":true') && JSON.stringify(r).includes("Document not found.")
            ? null
            : "other tenant's document not refused",
      };
    default:
      return { body: call("search_documents", { query: "report" }), check: ok(own.tag) };
  }
}

async function runSession(own: LoadTenant, others: LoadTenant[], sessionId: string, tally: Tally): Promise<void> {
  const headers = { authorization: `Bearer ${own.apiKey}`, "mcp-session-id": sessionId };
  for (let i = 0; i < REQUESTS; i++) {
    const { body, check } = request(i, own, others[i % others.length]!);
    const res = await post(body, headers);
    const text = await res.text();
    tally.status.set(res.status, (tally.status.get(res.status) ?? 0) + 1);
    for (const o of others) {
      if (text.includes(o.tag) || o.documentIds.some((id) => text.includes(id)))
        tally.crossTenant.push(`${own.slug} saw ${o.slug}: ${text.slice(0, 200)}`);
    }
    if (res.status !== 200) continue;
    if (res.headers.get("ratelimit-remaining") === null) tally.degraded += 1;
    const message = JSON.parse(text) as { result?: unknown; error?: unknown };
    const problem = message.error ? `JSON-RPC error ${JSON.stringify(message.error)}` : check(message.result);
    if (problem) tally.wrong.push(`${own.slug} request ${i}: ${problem}`);
  }
}

describe("load", () => {
  it(`3 tenants x ${SESSIONS} sessions x ${REQUESTS} requests: no 5xx, no cross-tenant results, 429s exactly past each limit`, {
    timeout: 60_000,
  }, async ({ annotate }) => {
    const tenants: LoadTenant[] = await Promise.all(
      LIMITS.map(async (limit, n) => {
        const tag = `loadtag${n}x${crypto.randomUUID().slice(0, 8)}`;
        const t = await createTenant("pro", {
          rateLimitPerMinute: limit,
          documents: [`Quarterly report ${tag}`, `Onboarding ${tag}`, `Incident report ${tag}`],
        });
        return { ...t, limit, tag };
      }),
    );
    const tallies = tenants.map((): Tally => ({ status: new Map(), degraded: 0, crossTenant: [], wrong: [] }));

    const started = Date.now();
    // Sessions open first (SESSIONS initializes count against the limit, which is above SESSIONS), then every session
    // of every tenant sends its requests at the same time.
    const sessions = await Promise.all(
      tenants.map((t) => Promise.all(Array.from({ length: SESSIONS }, () => openSession(t.apiKey)))),
    );
    await Promise.all(
      tenants.flatMap((t, n) =>
        sessions[n]!.map((id) =>
          runSession(
            t,
            tenants.filter((o) => o !== t),
            id,
            tallies[n]!,
          ),
        ),
      ),
    );
    const ended = Date.now();
    // The limiter's windows are fixed minutes of the epoch. Across a boundary, the sliding window lets through up to
    // limit * (time past the boundary) / window more: exact counts are only defined within one window.
    const oneWindow = Math.floor(started / WINDOW_MS) === Math.floor(ended / WINDOW_MS);

    const sent = SESSIONS * (REQUESTS + 1);
    const results = tenants.map((t, n) => {
      const tally = tallies[n]!;
      const served = SESSIONS + (tally.status.get(200) ?? 0);
      const limited = tally.status.get(429) ?? 0;
      const other = [...tally.status].filter(([s]) => s !== 200 && s !== 429);
      return { t, tally, served, limited, other };
    });
    await annotate(
      `load: ${tenants.length * sent} requests in ${ended - started} ms (${oneWindow ? "one window, exact" : "across a window boundary, bounded"}); ` +
        results
          .map(
            ({ t, tally, served, limited, other }) =>
              `${t.slug} limit=${t.limit} served=${served} 429=${limited} other=${JSON.stringify(other)} degraded=${tally.degraded} cross-tenant=${tally.crossTenant.length}`,
          )
          .join("; "),
      "summary",
    );

    for (const { t, tally, served, limited, other } of results) {
      expect(tally.crossTenant, t.slug).toEqual([]);
      expect(tally.wrong, t.slug).toEqual([]);
      // Only 200 and 429: no 5xx, and nothing else either.
      expect(other, t.slug).toEqual([]);
      // A limiter that timed out would have let requests through uncounted.
      expect(tally.degraded, t.slug).toBe(0);
      expect(served + limited, t.slug).toBe(sent);
      const expected = Math.min(t.limit, sent);
      if (oneWindow || expected === sent) {
        expect(served, t.slug).toBe(expected);
      } else {
        expect(served, t.slug).toBeGreaterThanOrEqual(expected);
        expect(served, t.slug).toBeLessThanOrEqual(expected + Math.ceil((t.limit * (ended - started)) / WINDOW_MS) + 1);
      }
    }
  });
});
