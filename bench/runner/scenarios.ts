/**
 * The benchmark's scenarios and the raw MCP requests they send. Raw `fetch` with the headers a real client sends is
 * cheaper than an SDK client, so the load generator does not compete with the Worker for the machine's two cores.
 */

/** Protocol lanes of `/mcp`: 2025-era sessions, and the stateless 2026-07-28 revision. */
export const LANES = ["session", "stateless"] as const;
export type Lane = (typeof LANES)[number];

/**
 * What one request of a scenario asks. `initialize` is `server/discover` in the stateless lane, which has no handshake.
 * `get_document_oauth` is `get_document` with an OAuth access token instead of the API key (our Worker only).
 * `get_document_schema` and `get_document_database` are `get_document` for a tenant whose data is on that isolation
 * tier (docs/isolation.md; `get_document` itself is the shared tier's), our Worker only.
 */
export const SCENARIO_NAMES = [
  "initialize",
  "tools/list",
  "get_document",
  "search_documents",
  "get_document_oauth",
  "get_document_schema",
  "get_document_database",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** One scenario: a request kind on a lane. */
export interface Scenario {
  lane: Lane;
  name: ScenarioName;
}

/** A server under load. */
export interface Target {
  /** "ours" or "naive". */
  id: string;
  /** The `/mcp` URL. */
  url: string;
  /** Bearer API key; the naive Worker takes none. */
  apiKey?: string;
}

/** Isolation tiers other than the shared one, each with a bench tenant of its own when its scenario runs. */
export type DedicatedTier = "schema" | "database";

/** A bench tenant on a tier of its own: its API key and its documents. */
export interface TierTenant {
  apiKey: string;
  documentIds: string[];
}

/** What tool calls need from the seeded data. */
export interface ScenarioData {
  documentIds: string[];
  searchQuery: string;
  /** The bench tenant's OAuth access token, when an OAuth scenario runs. */
  oauthToken?: string;
  /** The tenants on the schema and database tiers, when their scenarios run. */
  tiers?: Partial<Record<DedicatedTier, TierTenant>>;
}

/** Whether a scenario authenticates with an OAuth access token (and so runs against our Worker only). */
export function isOAuthScenario(s: Scenario): boolean {
  return s.name === "get_document_oauth";
}

/** The isolation tier whose tenant a scenario calls: `schema` or `database`, or undefined for the shared bench tenant. */
export function tierOf(s: Scenario): DedicatedTier | undefined {
  if (s.name === "get_document_schema") return "schema";
  if (s.name === "get_document_database") return "database";
  return undefined;
}

/** Whether a scenario runs against our Worker only (the naive baseline has neither OAuth nor isolation tiers). */
export function isOursOnly(s: Scenario): boolean {
  return isOAuthScenario(s) || tierOf(s) !== undefined;
}

function tierTenant(s: Scenario, data: ScenarioData): TierTenant | undefined {
  const tier = tierOf(s);
  if (!tier) return undefined;
  const tenant = data.tiers?.[tier];
  if (!tenant) throw new Error(`${s.name} scenario without a tenant on the ${tier} tier`);
  return tenant;
}

/** The bearer credential a scenario's requests carry to `target`: the OAuth token, the API key, or none. */
export function bearerOf(s: Scenario, target: Target, data: ScenarioData): string | undefined {
  if (isOAuthScenario(s)) {
    if (!data.oauthToken) throw new Error("OAuth scenario without a token");
    return data.oauthToken;
  }
  return tierTenant(s, data)?.apiKey ?? target.apiKey;
}

/** The tool a tools/call scenario calls, or undefined for the others. */
function toolOf(s: Scenario): string | undefined {
  if (s.name === "get_document_oauth" || tierOf(s)) return "get_document";
  return s.name === "get_document" || s.name === "search_documents" ? s.name : undefined;
}

/** The revision the session lane negotiates, and the stateless lane's. */
const SESSION_VERSION = "2025-11-25";
const STATELESS_VERSION = "2026-07-28";

const CLIENT_INFO = { name: "tenant-mcp-bench", version: "1.0.0" };
const STATELESS_META = {
  "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
  "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** A request ready to send, and what its answer must contain. */
export interface McpCall {
  headers: Record<string, string>;
  body: string;
  /** A tool call must not come back with `isError`. */
  toolCall: boolean;
}

/** The display name of a scenario, e.g. "session tools/call get_document". */
export function scenarioLabel(s: Scenario): string {
  const tool = toolOf(s);
  const tier = tierOf(s);
  const what = tool
    ? `tools/call ${tool}${isOAuthScenario(s) ? " (OAuth token)" : tier ? ` (${tier} tier)` : ""}`
    : s.lane === "stateless" && s.name === "initialize"
      ? "server/discover"
      : s.name;
  return `${s.lane} ${what}`;
}

/**
 * Builds request number `n` of a scenario. `sessionId` is the session of the client sending it (absent for
 * the stateless lane, for `initialize`, and for a stateless server).
 */
export function buildCall(s: Scenario, target: Target, data: ScenarioData, n: number, sessionId?: string): McpCall {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  const bearer = bearerOf(s, target, data);
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const tool = toolOf(s);
  const method =
    s.name === "initialize"
      ? s.lane === "session"
        ? "initialize"
        : "server/discover"
      : s.name === "tools/list"
        ? "tools/list"
        : "tools/call";
  let params: Record<string, unknown> | undefined;
  const documentIds = tierTenant(s, data)?.documentIds ?? data.documentIds;
  if (tool === "get_document") params = { name: tool, arguments: { id: documentIds[n % documentIds.length] } };
  else if (tool === "search_documents") params = { name: tool, arguments: { query: data.searchQuery, limit: 10 } };

  if (s.lane === "session") {
    if (method === "initialize")
      params = { protocolVersion: SESSION_VERSION, capabilities: {}, clientInfo: CLIENT_INFO };
    else headers["mcp-protocol-version"] = SESSION_VERSION;
    if (sessionId) headers["mcp-session-id"] = sessionId;
  } else {
    // 2026-07-28: the version and method travel as headers too (Mcp-Name mirrors the tool name), and every request
    // carries the client's `_meta` envelope.
    headers["mcp-protocol-version"] = STATELESS_VERSION;
    headers["mcp-method"] = method;
    if (tool) headers["mcp-name"] = tool;
    params = { ...params, _meta: STATELESS_META };
  }
  const body = JSON.stringify({ jsonrpc: "2.0", id: n, method, ...(params ? { params } : {}) });
  return { headers, body, toolCall: method === "tools/call" };
}

/** The `notifications/initialized` a session-lane client sends after `initialize`, with its `bearer`. */
export function initializedNotification(bearer: string | undefined, sessionId: string | undefined): McpCall {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": SESSION_VERSION,
  };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (sessionId) headers["mcp-session-id"] = sessionId;
  return { headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), toolCall: false };
}

/**
 * Checks an answer: HTTP 200 and a JSON-RPC result (from a JSON body or the first SSE `data:` line), and no `isError`
 * for a tool call. Returns a short reason when it is not a success.
 */
export function checkAnswer(call: McpCall, status: number, contentType: string, text: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 200)}`;
  let payload = text;
  if (contentType.includes("text/event-stream")) {
    const line = text.split("\n").find((l) => l.startsWith("data:"));
    if (!line) return `SSE without data: ${text.slice(0, 200)}`;
    payload = line.slice(5);
  }
  let message: { result?: { isError?: boolean }; error?: unknown };
  try {
    message = JSON.parse(payload) as typeof message;
  } catch {
    return `not JSON: ${payload.slice(0, 200)}`;
  }
  if (message.error !== undefined || message.result === undefined) return `JSON-RPC error: ${payload.slice(0, 200)}`;
  if (call.toolCall && message.result.isError) return `tool error: ${payload.slice(0, 200)}`;
  return undefined;
}
