/**
 * CPU microbenchmark, plain Node: the per-request work of building the MCP server for an enterprise tenant and
 * answering `tools/list` through the same SDK transport the Worker uses, against the naive baseline's build. Run by
 * `npm run bench` as a child process (fresh module state); also runnable alone:
 * `node bench/runner/microbench.ts [--iterations N] [--peers LIST]` prints one JSON line. Each peer's variant is its
 * Worker's whole handler for a `tools/list` request (see {@link peerVariants}).
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { neon } from "@neondatabase/serverless";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { buildNaiveStatelessServer, buildNaiveServer } from "../naive-worker/src/server.ts";
import { createAgentsPeer } from "../peers/agents/src/server.ts";
import { createFastMcpPeer } from "../peers/fastmcp/src/server.ts";
import { createHonoPeer } from "../peers/hono-mcp/src/server.ts";
import { createMcpHandlerPeer } from "../peers/mcp-handler/src/server.ts";
import { PEER_TOKEN } from "../peers/shared.ts";
import { PEER_NAMES, type PeerName } from "./peers.ts";
import { ROOT } from "./wrangler.ts";

/** One measured variant. */
interface MicroResult {
  lane: "session" | "stateless";
  impl: "ours" | "naive" | PeerName;
  /** Median over rounds of process CPU time (user + system) per operation, in microseconds. */
  cpuUs: number;
  /** Median over rounds of wall time per operation, in microseconds. */
  wallUs: number;
  /** Tools in the `tools/list` answer (ours: the eleven enterprise tools, delete_document included; every other side: ten). */
  tools: number;
  /** Operations measured (over all rounds): fewer than the report's `iterations` for a slow variant. */
  operations: number;
}

/** What {@link runMicrobench} returns. */
export interface MicroReport {
  /** Operations per variant asked for (over all rounds); see each result's `operations`. */
  iterations: number;
  results: MicroResult[];
  /** Why a variant is missing, and how modules were loaded. */
  notes: string[];
}

interface Variant {
  lane: MicroResult["lane"];
  impl: MicroResult["impl"];
  /** One request's work; resolves with the response body. */
  op(): Promise<string>;
}

const ROUNDS = 5;
const LIST = { jsonrpc: "2.0", id: 1, method: "tools/list" } as const;
const STATELESS_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
const STATELESS_LIST = { ...LIST, params: { _meta: STATELESS_META } };

/**
 * Wall time one variant's round may take: with four peers there are ten variants, and the slow ones (a server and its
 * schemas built per request, ~5 ms each) would take minutes at the full count on this machine.
 */
const ROUND_BUDGET_MS = 1500;
/** The fewest operations a round measures, however slow the variant. */
const MIN_PER_ROUND = 30;

/**
 * Measures every variant up to `iterations` times (after as many warm-up operations, capped at 500 and at two round
 * budgets), in {@link ROUNDS} alternating rounds, and reports the median round. A variant whose warm-up shows it
 * cannot do its share of a round within {@link ROUND_BUDGET_MS} measures fewer operations per round.
 */
async function runMicrobench(iterations: number, peers: readonly PeerName[]): Promise<MicroReport> {
  const notes: string[] = [];
  const variants = [...(await loadVariants(notes)), ...peerVariants(peers)];
  const results: MicroResult[] = [];
  const samples = new Map<Variant, { cpu: number[]; wall: number[] }>(variants.map((v) => [v, { cpu: [], wall: [] }]));
  const tools = new Map<Variant, number>();
  const perRound = Math.max(1, Math.ceil(iterations / ROUNDS));
  const opsPerRound = new Map<Variant, number>();
  for (const v of variants) {
    tools.set(v, countTools(await v.op()));
    const t0 = performance.now();
    let warm = 0;
    while (warm < Math.min(iterations, 500) && performance.now() - t0 < 2 * ROUND_BUDGET_MS) {
      await v.op();
      warm++;
    }
    const opMs = warm ? (performance.now() - t0) / warm : 1;
    opsPerRound.set(v, Math.min(perRound, Math.max(MIN_PER_ROUND, Math.floor(ROUND_BUDGET_MS / opMs))));
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order, so drift on a shared machine does not always favour the same variant.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const ops = opsPerRound.get(v)!;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < ops; i++) await v.op();
      const wall = (performance.now() - t0) * 1000;
      const cpu = process.cpuUsage(cpu0);
      samples.get(v)!.cpu.push((cpu.user + cpu.system) / ops);
      samples.get(v)!.wall.push(wall / ops);
    }
  }
  for (const v of variants) {
    const s = samples.get(v)!;
    results.push({
      lane: v.lane,
      impl: v.impl,
      cpuUs: median(s.cpu),
      wallUs: median(s.wall),
      tools: tools.get(v) ?? 0,
      operations: opsPerRound.get(v)! * ROUNDS,
    });
  }
  return { iterations: perRound * ROUNDS, results, notes };
}

/** Our builders come from src/ (imported directly, or bundled by esbuild when Node cannot import them). */
async function loadVariants(notes: string[]): Promise<Variant[]> {
  const session = await loadSource<{ buildSessionServer(tenant: unknown, rc: unknown): SessionServer }>(
    "src/mcp/session-server.ts",
    notes,
  );
  const stateless = existsSync(join(ROOT, "src/mcp/stateless-server.ts"))
    ? await loadSource<{ buildStatelessServer(principal: unknown, rc: unknown): StatelessServer }>(
        "src/mcp/stateless-server.ts",
        notes,
      )
    : undefined;
  if (!stateless) notes.push("src/mcp/stateless-server.ts is absent: no stateless-lane variant");
  const { createRequestContext } = await loadSource<{
    createRequestContext(req: Request, env: unknown, ctx: unknown): unknown;
  }>("src/context.ts", notes);
  const { effectiveFeatures } = await loadSource<{
    effectiveFeatures(plan: string, add: string[], remove: string[]): unknown;
  }>("src/tenancy/tenant.ts", notes);

  // What the Worker has once auth is done: an enterprise tenant and the request's context. No I/O happens here:
  // tools/list touches neither the database nor Redis, and the clients are lazy.
  const tenant = {
    id: "00000000-0000-4000-8000-000000000001",
    slug: "bench",
    name: "Bench",
    plan: "enterprise",
    features: effectiveFeatures("enterprise", [], []),
    rateLimitPerMinute: 1_000_000,
    status: "active",
    config: {},
  };
  const principal = {
    tenant,
    credential: { kind: "api_key", id: "00000000-0000-4000-8000-000000000002" },
    scopes: ["mcp:read", "mcp:write"],
  };
  const rc = createRequestContext(new Request("http://bench/mcp"), BENCH_ENV, { waitUntil: () => {} });
  const sql = neon("postgres://bench@127.0.0.1:9/bench");

  const variants: Variant[] = [
    {
      lane: "session",
      impl: "ours",
      // As src/mcp/session-lane.ts does for a request on a live session.
      op: () => serveSession(session.buildSessionServer(tenant, rc), "bench-session"),
    },
    {
      lane: "session",
      impl: "naive",
      op: () => serveSession(buildNaiveServer(sql) as unknown as SessionServer, undefined),
    },
  ];
  if (stateless) {
    variants.push({
      lane: "stateless",
      impl: "ours",
      // As src/mcp/stateless-lane.ts does, for the principal of an API key with both scopes (src/auth/principal.ts).
      op: () => serveStateless(() => stateless.buildStatelessServer(principal, rc)),
    });
  }
  variants.push({ lane: "stateless", impl: "naive", op: () => serveStateless(() => buildNaiveStatelessServer(sql)) });
  return variants;
}

/**
 * Each peer's whole handler for one `tools/list` request, as its Worker runs it (bench/peers/<name>/src/server.ts):
 * routing, its token check, whatever it builds per request, and the answer. Session lane: a 2025-11-25 request
 * without a session (every peer is stateless there); stateless lane: the 2026-07-28 request, for the peers that
 * serve that revision.
 */
function peerVariants(peers: readonly PeerName[]): Variant[] {
  const sql = neon("postgres://bench@127.0.0.1:9/bench");
  const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as Parameters<
    ReturnType<typeof createAgentsPeer>
  >[2];
  const handlers: Record<PeerName, { fetch(r: Request): Promise<Response>; stateless: boolean }> = {
    agents: (() => {
      const h = createAgentsPeer(() => sql);
      return { fetch: (r: Request) => h(r, {}, ctx), stateless: true };
    })(),
    "mcp-handler": { fetch: createMcpHandlerPeer(() => sql), stateless: true },
    "hono-mcp": (() => {
      const app = createHonoPeer(sql);
      return { fetch: async (r: Request) => app.fetch(r), stateless: false };
    })(),
    fastmcp: { fetch: createFastMcpPeer(sql), stateless: false },
  };
  // Host as workerd sets it (Node's Request has none unless told; the Agents handler refuses a request without one).
  const auth = { authorization: `Bearer ${PEER_TOKEN}`, host: new URL(PEER_URL).host };
  return peers.flatMap((peer): Variant[] => {
    const h = handlers[peer];
    const session: Variant = {
      lane: "session",
      impl: peer,
      op: async () =>
        (await h.fetch(listRequest(LIST, { ...auth, "mcp-protocol-version": "2025-11-25" }, PEER_URL))).text(),
    };
    if (!h.stateless) return [session];
    const stateless: Variant = {
      lane: "stateless",
      impl: peer,
      op: async () =>
        (
          await h.fetch(
            listRequest(
              STATELESS_LIST,
              { ...auth, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" },
              PEER_URL,
            ),
          )
        ).text(),
    };
    return [session, stateless];
  });
}

/** Localhost, as under wrangler dev: the Agents handler checks the Host of non-localhost, non-workers.dev names. */
const PEER_URL = "http://localhost:8787/mcp";

type SessionServer = { connect(t: WebStandardStreamableHTTPServerTransport): Promise<void> };
type StatelessFactory = Parameters<typeof createMcpHandler>[0];
type StatelessServer = ReturnType<StatelessFactory>;

async function serveSession(server: SessionServer, sessionId: string | undefined): Promise<string> {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  if (sessionId) transport.sessionId = sessionId;
  await server.connect(transport);
  const res = await transport.handleRequest(listRequest(LIST, { "mcp-protocol-version": "2025-11-25" }), {
    parsedBody: LIST,
  });
  return res.text();
}

async function serveStateless(factory: StatelessFactory): Promise<string> {
  const handler = createMcpHandler(factory, { legacy: "reject" });
  const res = await handler.fetch(
    listRequest(STATELESS_LIST, { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" }),
    {
      parsedBody: STATELESS_LIST,
    },
  );
  return res.text();
}

function listRequest(body: unknown, headers: Record<string, string>, url = "http://bench/mcp"): Request {
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}

function countTools(text: string): number {
  const payload = text.startsWith("{")
    ? text
    : (text
        .split("\n")
        .find((l) => l.startsWith("data:"))
        ?.slice(5) ?? "{}");
  const message = JSON.parse(payload) as { result?: { tools?: unknown[] }; error?: unknown };
  if (!message.result?.tools) throw new Error(`tools/list failed in the microbenchmark: ${payload.slice(0, 300)}`);
  return message.result.tools.length;
}

/**
 * Loads a module of src/ in Node. If Node cannot (TypeScript that type stripping cannot handle, such as an enum, or
 * an import Node cannot resolve), bundles it with esbuild first (it comes with wrangler). Packages stay external, so
 * a `cloudflare:` module import still fails here: such code would need a shim.
 */
async function loadSource<T>(relative: string, notes: string[]): Promise<T> {
  const file = join(ROOT, relative);
  try {
    return (await import(pathToFileURL(file).href)) as T;
  } catch (err) {
    notes.push(
      `${relative}: Node could not import it (${(err as Error).message.split("\n")[0]}); bundled with esbuild`,
    );
  }
  // Inside node_modules/.cache so the bundle's bare imports still resolve to the project's packages.
  const outdir = join(ROOT, "node_modules", ".cache", "tenant-mcp-bench");
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, `${relative.replace(/[/.]/g, "_")}.mjs`);
  const esbuild = (await import("esbuild" as string)) as { build(o: Record<string, unknown>): Promise<unknown> };
  await esbuild.build({
    entryPoints: [file],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile,
    logLevel: "error",
  });
  return (await import(pathToFileURL(outfile).href)) as T;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The Worker's variables as wrangler.toml sets them, with harmless endpoints (nothing is contacted). */
const BENCH_ENV = {
  ALLOWED_ORIGINS: "",
  MAX_BODY_BYTES: "1048576",
  SESSION_TTL_SECONDS: "3600",
  RATE_LIMIT_ON_ERROR: "open",
  RATE_LIMIT_TIMEOUT_MS: "300",
  API_KEY_CACHE_TTL_SECONDS: "30",
  DATABASE_URL: "postgres://bench@127.0.0.1:9/bench",
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
  UPSTASH_REDIS_REST_TOKEN: "bench",
  API_KEY_PEPPER: "bench-pepper",
  LOCAL_NEON_HTTP_ENDPOINT: "",
  LOCAL_NEON_WS_PROXY: "",
};

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { iterations: { type: "string", default: "3000" }, peers: { type: "string", default: "none" } },
  });
  const peers = values.peers === "none" ? [] : values.peers.split(",");
  const unknown = peers.filter((p) => !(PEER_NAMES as readonly string[]).includes(p));
  if (unknown.length) {
    process.stderr.write(`error: unknown --peers ${unknown.join(", ")}\n`);
    process.exit(2);
  }
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) {
    process.stderr.write("error: --iterations must be a positive integer\n");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await runMicrobench(iterations, peers as PeerName[]))}\n`);
}
