// A seeded fuzzer: CASES malformed or mutated MCP requests (headers, bodies, ids, params, unicode, huge numbers, deep
// nesting, both protocol eras) across three tenants, through the Worker (SELF.fetch) and the local cloud. Every answer
// must be below 500, come within HANG_MS, and carry no stack trace, SQL text, upstream error body or other tenant's
// data. A failing case is reported with its index: `new Rng(caseSeed(SEED, index))` regenerates it exactly.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, MCP_URL, openSession } from "../worker/support/fixtures.ts";
import { generateCase, type FuzzTenant } from "./support/generate.ts";
import { caseSeed, Rng } from "./support/random.ts";

const SEED = 20261126;
const CASES = 10_000;
/** Requests in flight at once. */
const CONCURRENCY = 16;
/** An answer slower than this counts as a hang (the slowest legitimate answer here takes well under a second). */
const HANG_MS = 15_000;

/** What no answer may contain (unless the request itself carried that very text, which some errors quote). */
const FORBIDDEN: Array<[string, RegExp]> = [
  ["stack trace", /\n\s*at\s|\bat\s\S+\s\(\S+:\d+:\d+\)|[\w/.-]+\.(?:ts|js|mjs):\d+/],
  [
    "SQL text",
    /\bselect\b[\s\S]{1,80}\bfrom\b|\binsert\s+into\b|\bupdate\s+\w+\s+set\b|\bdelete\s+from\b|set_config|\bpublic\.\w+/i,
  ],
  [
    "Postgres error",
    /SQLSTATE|syntax error at or near|violates \w+ constraint|relation "|column "|invalid input syntax|permission denied for/i,
  ],
  [
    "upstream error",
    /NeonDbError|UpstashError|Server error \(HTTP status|command was:|could not run the query|local cloud|ECONNREFUSED|\bERR [a-z]/i,
  ],
];

interface Tenant extends FuzzTenant {
  /** Text in every title of this tenant's documents. */
  tag: string;
}

let tenants: Tenant[];
beforeAll(async () => {
  tenants = await Promise.all(
    (["free", "pro", "enterprise"] as const).map(async (plan, n) => {
      const tag = `fuzztag${n}x${crypto.randomUUID().slice(0, 8)}`;
      const t = await createTenant(plan, {
        rateLimitPerMinute: 1_000_000,
        documents: [`Quarterly report ${tag}`, `Notes ${tag}`],
      });
      return { ...t, tag, sessionId: await openSession(t.apiKey) };
    }),
  );
});

interface Outcome {
  status: number | "hang" | "fetch-error";
  problems: string[];
}

async function runCase(index: number): Promise<Outcome> {
  const own = tenants[index % tenants.length]!;
  const other = tenants[(index + 1) % tenants.length]!;
  const c = generateCase(new Rng(caseSeed(SEED, index)), own, other);
  const body = c.method === "GET" || c.method === "HEAD" ? undefined : c.body;
  const requestText =
    JSON.stringify(c.headers) + (typeof body === "string" ? body : body ? new TextDecoder().decode(body) : "");

  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), HANG_MS);
  });
  let answer: { res: Response; text: string } | "hang";
  try {
    answer = await Promise.race([
      SELF.fetch(MCP_URL, { method: c.method, headers: c.headers, body }).then(async (res) => ({
        res,
        text: await res.text(),
      })),
      hang,
    ]);
  } catch (err) {
    return { status: "fetch-error", problems: [`fetch failed: ${String(err)} (${c.mutations.join(", ")})`] };
  } finally {
    clearTimeout(timer);
  }
  if (answer === "hang")
    return { status: "hang", problems: [`no answer within ${HANG_MS} ms (${c.mutations.join(", ")})`] };

  const { res, text } = answer;
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`status ${res.status}`);
  for (const [what, pattern] of FORBIDDEN) {
    const m = pattern.exec(text);
    if (m && !requestText.includes(m[0])) problems.push(`${what}: ${JSON.stringify(m[0])}`);
  }
  // The caller is whoever's key the request carries (a mutation may swap in another tenant's own key).
  const caller = tenants.find((t) => c.headers.authorization?.includes(t.apiKey));
  for (const t of tenants) {
    if (t !== caller && text.includes(t.tag)) problems.push(`another tenant's data (${t.tag})`);
  }
  if (problems.length) problems.push(`mutations: ${c.mutations.join(", ")}; answer: ${text.slice(0, 300)}`);
  return { status: res.status, problems };
}

describe("fuzz", () => {
  it(`${CASES} mutated requests: no 5xx, no hangs, nothing internal in any answer`, { timeout: 300_000 }, async ({
    annotate,
  }) => {
    const statuses = new Map<Outcome["status"], number>();
    const failures: string[] = [];
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < CASES; i = next++) {
        const outcome = await runCase(i);
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        if (outcome.problems.length) failures.push(`case ${i}: ${outcome.problems.join("; ")}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const histogram = [...statuses]
      .sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([s, n]) => `${s}=${n}`)
      .join(" ");
    const count = (pred: (s: Outcome["status"]) => boolean): number =>
      [...statuses].filter(([s]) => pred(s)).reduce((a, [, n]) => a + n, 0);
    await annotate(
      `fuzz: seed=${SEED} ${CASES} requests in ${Date.now() - started} ms; ${histogram}; ` +
        `5xx=${count((s) => typeof s === "number" && s >= 500)} hangs=${count((s) => s === "hang")} failing cases=${failures.length}`,
      "summary",
    );
    expect(failures.slice(0, 20)).toEqual([]);
  });
});
