// Unauthenticated work is throttled per client address (CF-Connecting-IP) before it reaches Postgres or Redis: a
// flood of random key ids, and a hammered /healthz. Written from the flooding client's side. The simulated binding
// counts in fixed 10 s windows aligned to the clock, so a flood that straddles a boundary gets two windows' worth
// through: floods here are sized so that at least some requests are refused either way. Each test floods from an
// address of its own (the documentation range, RFC 3849), so tests do not share a counter.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SharedProbe } from "../../src/routes/healthz.ts";
import { fetchSettled, logLines } from "./admin-support.ts";
import { createTenant, initializeMessage, post } from "./support/fixtures.ts";

const LIMIT = 50; // AUTH_LIMITER in wrangler.toml
const FLOOD = 2 * LIMIT + 20;

function randomKey(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const pick = (n: number): string =>
    [...crypto.getRandomValues(new Uint8Array(n))].map((b) => alphabet[b % 32]).join("");
  return `tmcp_${pick(16)}_${pick(40)}`;
}

function address(): string {
  const [a, b] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8::${a!.toString(16)}:${b!.toString(16)}`;
}

async function flood(ip: string, n: number): Promise<Response[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      post(
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        { authorization: `Bearer ${randomKey()}`, "cf-connecting-ip": ip },
      ),
    ),
  );
}

describe("failed authentication, per client address", () => {
  it("a flood of random key ids gets 429 with Retry-After past the limit, not 401", async () => {
    const responses = await flood(address(), FLOOD);
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(FLOOD - 2 * LIMIT);
    const throttled = responses.find((r) => r.status === 429)!;
    expect(throttled.headers.get("retry-after")).toBe("10");
    expect(((await throttled.json()) as { error: { message: string } }).error.message).toBe(
      "Too many requests from this address",
    );
  });

  it("does not lock out a key the isolate remembers as valid, even from the flooding address", async () => {
    const tenant = await createTenant("pro");
    const ip = address();
    const auth = { authorization: `Bearer ${tenant.apiKey}`, "cf-connecting-ip": ip };
    expect((await post(initializeMessage(), auth)).status).toBe(200);
    const statuses = (await flood(ip, FLOOD)).map((r) => r.status);
    expect(statuses).toContain(429);
    expect((await post(initializeMessage(), auth)).status).toBe(200);
  });

  it("/healthz/tenant is throttled the same way", async () => {
    const ip = address();
    const statuses = await Promise.all(
      Array.from({ length: FLOOD }, () =>
        SELF.fetch("http://tenant-mcp.test/healthz/tenant", {
          headers: { authorization: `Bearer ${randomKey()}`, "cf-connecting-ip": ip },
        }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(FLOOD - 2 * LIMIT);
  });

  it("is not applied to requests that did not come through Cloudflare's edge (no CF-Connecting-IP)", async () => {
    const statuses = await Promise.all(
      Array.from({ length: LIMIT + 10 }, () =>
        post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { authorization: `Bearer ${randomKey()}` }).then(
          (r) => r.status,
        ),
      ),
    );
    expect(statuses.filter((s) => s !== 401)).toEqual([]);
  });
});

describe("a throttle binding that fails", () => {
  // The throttle shields the stores; it is not what keeps tenants apart. A broken binding lets requests through
  // (fail open) with a warning, rather than refusing every client or answering 500.
  const broken = { limit: async (): Promise<never> => Promise.reject(new Error("rate limiting binding down")) };
  const vars = { AUTH_LIMITER: broken, HEALTHZ_LIMITER: broken } as unknown as Partial<Env>;

  it("lets an unknown key through to its 401 and /healthz to its probe, with a warning each", async () => {
    const ip = address();
    let statuses: number[] = [];
    const lines = await logLines(async () => {
      const unknownKey = await fetchSettled(
        "http://tenant-mcp.test/mcp",
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${randomKey()}`,
            "cf-connecting-ip": ip,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        },
        vars,
      );
      const health = await fetchSettled(
        "http://tenant-mcp.test/healthz",
        { headers: { "cf-connecting-ip": ip } },
        vars,
      );
      statuses = [unknownKey.status, health.status];
    });
    expect(statuses).toEqual([401, 200]);
    const warnings = lines.filter((l) => l.level === "warn").map((l) => String(l.msg ?? l.message));
    expect(warnings.filter((m) => m.includes("throttle unavailable"))).toHaveLength(2);
  });
});

describe("GET /healthz", () => {
  it("hammered from one address: 429 with Retry-After past the limit", async () => {
    const ip = address();
    const n = 2 * 20 + 20; // HEALTHZ_LIMITER: 20 per 10 s
    const responses = await Promise.all(
      Array.from({ length: n }, () =>
        SELF.fetch("http://tenant-mcp.test/healthz", { headers: { "cf-connecting-ip": ip } }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    expect(responses.find((r) => r.status === 429)!.headers.get("retry-after")).toBe("10");
  });

  it("shares one probe among its callers, in flight and for the window after it started", async () => {
    const shared = new SharedProbe<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = async (): Promise<number> => {
      runs += 1;
      await gate;
      return runs;
    };
    const waiting = Array.from({ length: 20 }, () => shared.get(1_000, 1000, run));
    release();
    expect(await Promise.all(waiting)).toEqual(Array(20).fill(1));
    expect(await shared.get(1_999, 1000, run)).toBe(1);
    expect(await shared.get(2_000, 1000, run)).toBe(2);
    expect(runs).toBe(2);
  });
});
