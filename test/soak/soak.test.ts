// The soak (issue 16): several tenants in both eras, sessions opening and closing, reads and idempotent writes (each
// write retried with its key on any failure), while the local cloud injects faults on a schedule: Redis refused or
// slow, Postgres refused, its answer dropped or reset after the commit, a tenant past its rate limit. The operations
// and the fault schedule follow from the seed (one attempt at a time, the schedule advancing per attempt). At the end
// the checker compares the client's record with the database and the run prints one line. `npm run soak` runs it
// longer; CI runs it for SOAK_SECONDS (default 45).
import { SELF } from "cloudflare:test";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1Transport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import { expect, inject, it } from "vitest";
import { IDEMPOTENCY_META_KEY, IDEMPOTENT_REPLAY_META_KEY } from "../../src/idempotency/key.ts";
import { clearFaults, injectFaults, type FaultRule } from "../faults/support/faults.ts";
import { createTenant, MCP_URL, type TestTenant } from "../worker/support/fixtures.ts";
import { STATELESS } from "../worker/support/stateless.ts";
import { type AttemptRecord, checkSoak, soakLine, type WriteRecord } from "./checker.ts";

const { seconds, seed } = inject("soak");
/** A request taking longer than this is a hang (every timeout of the Worker is far below it). */
const HANG_MS = 15_000;
/** Attempts a write may take before the client gives up on it (it then stays unacknowledged). */
const MAX_ATTEMPTS = 40;

/** mulberry32: a small seeded generator, so the same seed gives the same operations and faults. */
function seeded(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Fault = { name: string; spec: Parameters<typeof injectFaults>[0]; attempts: number };
const FAULTS: Fault[] = [
  { name: "none", spec: {}, attempts: 40 },
  { name: "redis refused", spec: { redis: "refuse" }, attempts: 15 },
  { name: "redis slow", spec: { redis: { mode: "delay", delayMs: 300 } }, attempts: 15 },
  { name: "postgres refused", spec: { postgres: "refuse" }, attempts: 15 },
  {
    name: "postgres dropped after commit",
    spec: { postgres: { mode: "drop", phase: "response", match: "insert into documents" } satisfies FaultRule },
    attempts: 8,
  },
  {
    name: "postgres reset after commit",
    spec: { postgres: { mode: "refuse", phase: "response", match: "insert into documents" } satisfies FaultRule },
    attempts: 15,
  },
];

it(`soak: ${seconds} s, seed ${seed}`, { timeout: (seconds + 240) * 1000 }, async ({ annotate }) => {
  // Two sequences from the seed: the operations (a fixed number of draws per operation) and the fault phases. Which
  // operation meets which phase depends on how many attempts the failures before it took.
  const rand = seeded(seed);
  const faultRand = seeded(seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(faultRand() * xs.length)] as T;
  // Three tenants; the third has a rate limit the run goes past.
  const tenants: TestTenant[] = [
    await createTenant("pro"),
    await createTenant("enterprise"),
    await createTenant("pro", { rateLimitPerMinute: 150 }),
  ];
  const attempts: AttemptRecord[] = [];
  const writes: WriteRecord[] = [];

  // The fault schedule advances with every HTTP attempt the clients make.
  let attemptCount = 0;
  let phaseEnds = 0;
  let phase: Fault = FAULTS[0] as Fault;
  const phases = new Map<string, number>();
  const schedule = async (): Promise<void> => {
    if (attemptCount < phaseEnds) return;
    phase = faultRand() < 0.4 ? (FAULTS[0] as Fault) : pick(FAULTS);
    phases.set(phase.name, (phases.get(phase.name) ?? 0) + 1);
    phaseEnds = attemptCount + phase.attempts;
    await clearFaults();
    if (phase.spec.redis || phase.spec.postgres) await injectFaults(phase.spec);
  };
  const recordingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    // The v1 client's standalone GET stream (notifications) stays open for the session's life: not a request to time,
    // and reading its body to the end here would count every long session as a hang.
    if ((init?.method ?? "GET").toUpperCase() === "GET") return SELF.fetch(String(url), init);
    attemptCount++;
    const started = Date.now();
    const deadline = AbortSignal.timeout(HANG_MS);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const res = await SELF.fetch(String(url), { ...init, signal } as RequestInit);
      // Read the body here, so the time covers the whole answer.
      const body = await res.arrayBuffer();
      attempts.push({ status: res.status, ms: Date.now() - started, hung: false, crossTenant: false });
      return new Response(body, { status: res.status, headers: res.headers });
    } catch (err) {
      attempts.push({ status: 0, ms: Date.now() - started, hung: deadline.aborted, crossTenant: false });
      throw err;
    }
  };

  interface Conn {
    call(name: string, args: Record<string, unknown>, key?: string): Promise<Record<string, unknown>>;
    close(): Promise<void>;
  }
  const open = async (t: TestTenant, lane: "session" | "stateless"): Promise<Conn> => {
    const requestInit = { headers: { authorization: `Bearer ${t.apiKey}` } };
    if (lane === "session") {
      const transport = new V1Transport(new URL(MCP_URL), { fetch: recordingFetch, requestInit });
      const client = new V1Client({ name: "soak", version: "1" });
      await client.connect(transport);
      return {
        call: async (name, args, key) =>
          (await client.callTool({
            name,
            arguments: args,
            ...(key ? { _meta: { [IDEMPOTENCY_META_KEY]: key } } : {}),
          })) as Record<string, unknown>,
        close: async () => {
          await transport.terminateSession().catch(() => {});
          await client.close();
        },
      };
    }
    const transport = new V2Transport(new URL(MCP_URL), { fetch: recordingFetch, requestInit });
    const client = new V2Client(
      { name: "soak", version: "1" },
      { versionNegotiation: { mode: { pin: STATELESS } }, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    await client.connect(transport);
    return {
      call: async (name, args, key) =>
        (await client.callTool({
          name,
          arguments: args,
          ...(key ? { _meta: { [IDEMPOTENCY_META_KEY]: key } } : {}),
        })) as Record<string, unknown>,
      close: () => client.close(),
    };
  };

  // One connection per tenant and lane, closed and reopened now and then (and after any failure).
  const conns = new Map<string, Conn>();
  const conn = async (ti: number, lane: "session" | "stateless", reopen: boolean): Promise<Conn> => {
    const id = `${ti}:${lane}`;
    const known = conns.get(id);
    if (known && !reopen) return known;
    conns.delete(id);
    await known?.close().catch(() => {});
    const made = await open(tenants[ti] as TestTenant, lane);
    conns.set(id, made);
    return made;
  };
  const drop = (ti: number, lane: string): void => {
    const c = conns.get(`${ti}:${lane}`);
    conns.delete(`${ti}:${lane}`);
    void c?.close().catch(() => {});
  };
  /** Whether an answer names another tenant's document (titles carry their tenant's index). */
  const foreign = (ti: number, result: unknown): boolean =>
    tenants.some((_, other) => other !== ti && JSON.stringify(result).includes(`soak-${seed}-t${other}-`));

  const endAt = Date.now() + seconds * 1000;
  let op = 0;
  let replays = 0;
  // Bounded in time and in requests.
  const maxAttempts = seconds * 100;
  while (Date.now() < endAt && attemptCount < maxAttempts) {
    op++;
    const ti = Math.floor(rand() * tenants.length);
    const lane = rand() < 0.5 ? "session" : "stateless";
    const write = rand() < 0.45;
    const list = rand() < 0.5;
    const reopen = rand() < 0.03;
    const t = tenants[ti] as TestTenant;
    if (write) {
      const title = `soak-${seed}-t${ti}-${op}`;
      const record: WriteRecord = { tenantId: t.id, title, acknowledged: false };
      writes.push(record);
      for (let attempt = 0; attempt < MAX_ATTEMPTS && !record.acknowledged; attempt++) {
        await schedule();
        try {
          const c = await conn(ti, lane, reopen && attempt === 0);
          const result = await c.call(
            "create_document",
            { workspace_id: t.workspaceId, title, body: `op ${op}` },
            `soak-${seed}-${op}`,
          );
          if (foreign(ti, result)) (attempts.at(-1) as AttemptRecord).crossTenant = true;
          if (result.isError) continue;
          if ((result._meta as Record<string, unknown> | undefined)?.[IDEMPOTENT_REPLAY_META_KEY] === true) replays++;
          record.acknowledged = true;
          record.documentId = (result.structuredContent as { document: { id: string } }).document.id;
        } catch {
          drop(ti, lane);
        }
      }
    } else {
      await schedule();
      try {
        const c = await conn(ti, lane, reopen);
        const result = list
          ? await c.call("list_documents", { workspace_id: t.workspaceId, limit: 20 })
          : await c.call("search_documents", { query: "soak op" });
        if (foreign(ti, result)) (attempts.at(-1) as AttemptRecord).crossTenant = true;
      } catch {
        drop(ti, lane);
      }
    }
  }
  await clearFaults();
  await Promise.all([...conns.values()].map((c) => c.close().catch(() => {})));

  const db = new Map<string, Map<string, string[]>>();
  for (const t of tenants) {
    const rows = await t.placement.admin.query<{ title: string; id: string }>(
      "select title, id::text as id from documents where tenant_id = $1 and title like 'soak-%'",
      [t.id],
    );
    const byTitle = new Map<string, string[]>();
    for (const r of rows) byTitle.set(r.title, [...(byTitle.get(r.title) ?? []), r.id]);
    db.set(t.id, byTitle);
  }
  const summary = checkSoak(writes, attempts, db);
  const failed = attempts.filter((a) => a.status !== 200 && a.status !== 202 && a.status !== 204).length;
  const limited = attempts.filter((a) => a.status === 429).length;
  const faults = [...phases].map(([name, n]) => `${name} ×${n}`).join(", ");
  const line =
    `soak seed ${seed}, ${seconds} s, ${op} operations, ${attempts.length} requests (${failed} failed, ${limited} ` +
    `rate-limited, ${replays} writes acknowledged by a replay; phases: ${faults}): ${soakLine(summary)}`;
  await annotate(line, "summary");
  expect(summary).toMatchObject({ lost: 0, duplicated: 0, crossTenant: 0, fiveXX: 0, hangs: 0 });
  expect(summary.acknowledged).toBeGreaterThan(0);
});
