// A flood of well-formed keys with random key ids from one client address: each would cost a Postgres lookup and a
// Redis entry. The failure throttle (a Workers Rate Limiting binding, per client address) must stop most of them
// before any store work. Counted with the local cloud's request counters, which only this file uses while it runs
// (the resilience project has a cloud of its own and runs its files one at a time).
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { post } from "../worker/support/fixtures.ts";

const FLOOD = 250;

function randomKey(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const pick = (n: number): string =>
    [...crypto.getRandomValues(new Uint8Array(n))].map((b) => alphabet[b % 32]).join("");
  return `tmcp_${pick(16)}_${pick(40)}`;
}

async function postgresLookups(): Promise<number> {
  const stats = (await (await fetch(inject("cloud").statsUrl)).json()) as Record<string, number>;
  return stats.neon_http_query ?? 0;
}

describe("a flood of random key ids from one address", () => {
  // Without the throttle (before AUTH_LIMITER) this measured 250 Postgres lookups for 250 keys.
  it("is throttled before Postgres sees most of them", async ({ annotate }) => {
    const before = await postgresLookups();
    const statuses = await Promise.all(
      Array.from({ length: FLOOD }, () =>
        post(
          { jsonrpc: "2.0", id: 1, method: "tools/list" },
          { authorization: `Bearer ${randomKey()}`, "cf-connecting-ip": "198.51.100.23" },
        ).then((r) => r.status),
      ),
    );
    const lookups = (await postgresLookups()) - before;
    await annotate(
      `auth flood: ${FLOOD} random keys, ${lookups} Postgres lookups, ${statuses.filter((s) => s === 429).length} throttled`,
      "summary",
    );
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // The binding's window is fixed (10 s, aligned to the clock): a flood that straddles a boundary gets two windows.
    expect(lookups).toBeLessThanOrEqual(2 * 50);
  });
});
