/**
 * Fixtures for the MCP 2026-07-28 lane: a v2 SDK client (`@modelcontextprotocol/client`) talking to the Worker under
 * test through `SELF.fetch`, and raw stateless messages with the per-request `_meta` envelope and standard headers.
 */
import { SELF } from "cloudflare:test";
import {
  Client,
  StreamableHTTPClientTransport,
  type ElicitRequest,
  type ElicitResult,
} from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import { MCP_URL, post } from "./fixtures.ts";

/** The stateless revision. */
export const STATELESS = "2026-07-28";

// Workers forbid `new Function`, which the client's default (Ajv) validator compiles with.
const VALIDATOR = new CfWorkerJsonSchemaValidator();

/**
 * How a v2 client picks its era, in the SDK's words: `auto` probes `server/discover` and falls back to `initialize`,
 * `legacy` speaks `initialize` and sessions, `modern` pins 2026-07-28.
 */
export type Negotiation = "auto" | "legacy" | "modern";

/** A connected v2 client for `apiKey`. `elicit` answers the server's input requests (and declares the capability). */
export async function connectStatelessClient(
  apiKey: string,
  o: {
    negotiation?: Negotiation;
    elicit?: (params: ElicitRequest["params"]) => ElicitResult | Promise<ElicitResult>;
    /** More headers on every request (e.g. `Idempotency-Key`). */
    headers?: Record<string, string>;
  } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: (url, init) => SELF.fetch(String(url), init as RequestInit),
    requestInit: { headers: { authorization: `Bearer ${apiKey}`, ...o.headers } },
  });
  const negotiation = o.negotiation ?? "modern";
  const client = new Client(
    { name: "stateless-test-client", version: "1.0.0" },
    {
      versionNegotiation: { mode: negotiation === "modern" ? { pin: STATELESS } : negotiation },
      capabilities: o.elicit ? { elicitation: { form: {} } } : {},
      jsonSchemaValidator: VALIDATOR,
    },
  );
  if (o.elicit) {
    const elicit = o.elicit;
    client.setRequestHandler("elicitation/create", async (request) => elicit(request.params));
  }
  await client.connect(transport);
  return { client, transport };
}

/** The per-request `_meta` envelope of 2026-07-28. */
export function envelope(
  clientCapabilities: Record<string, unknown> = {},
  version = STATELESS,
): Record<string, unknown> {
  return {
    "io.modelcontextprotocol/protocolVersion": version,
    "io.modelcontextprotocol/clientCapabilities": clientCapabilities,
    "io.modelcontextprotocol/clientInfo": { name: "raw-stateless", version: "1" },
  };
}

/** A stateless JSON-RPC request: `params` plus the envelope in `params._meta`. */
export function statelessMessage(
  method: string,
  params: Record<string, unknown> = {},
  o: { id?: number | string; capabilities?: Record<string, unknown>; version?: string } = {},
): { jsonrpc: "2.0"; id: number | string; method: string; params: Record<string, unknown> } {
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  return {
    jsonrpc: "2.0",
    id: o.id ?? 1,
    method,
    params: { ...params, _meta: { ...envelope(o.capabilities, o.version), ...meta } },
  };
}

/**
 * POSTs a stateless message with the standard headers a 2026-07-28 client sends (`MCP-Protocol-Version`, `Mcp-Method`,
 * and `Mcp-Name` for the methods that name something); `headers` overrides or adds (`undefined` values remove).
 */
export function postStateless(
  message: { method: string; params?: Record<string, unknown> },
  headers: Record<string, string | undefined> = {},
): Promise<Response> {
  const p = message.params ?? {};
  const name =
    message.method === "resources/read"
      ? p.uri
      : message.method === "tools/call" || message.method === "prompts/get"
        ? p.name
        : undefined;
  const version =
    ((p._meta as Record<string, unknown> | undefined)?.["io.modelcontextprotocol/protocolVersion"] as
      | string
      | undefined) ?? STATELESS;
  const all: Record<string, string | undefined> = {
    "mcp-protocol-version": version,
    "mcp-method": message.method,
    ...(typeof name === "string" ? { "mcp-name": name } : {}),
    ...(message.method === "tools/call" ? paramHeaders(p.arguments) : {}),
    ...headers,
  };
  return post(
    message,
    Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)),
  );
}

/**
 * The `Mcp-Param-*` headers a conforming 2026-07-28 client sends for a tool call's arguments (SEP-2243): every tool
 * that takes a `workspace_id` declares it as `x-mcp-header: Workspace` (src/tools/core/documents.ts). Plain text, as
 * a uuid needs no Base64.
 */
export function paramHeaders(args: unknown): Record<string, string> {
  const workspace = (args as { workspace_id?: unknown } | undefined)?.workspace_id;
  return typeof workspace === "string" ? { "mcp-param-workspace": workspace } : {};
}

/** The JSON-RPC reply of a stateless response, whether it came as JSON or as an SSE stream. */
export async function replyOf(res: Response): Promise<Record<string, any>> {
  const text = await res.text();
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) return JSON.parse(text);
  const messages = text
    .split("\n")
    .filter((l) => l.startsWith("data:"))
    .map((l) => JSON.parse(l.slice(5)));
  const reply = messages.find((m) => "result" in m || "error" in m);
  if (!reply) throw new Error(`no reply in SSE stream: ${text.slice(0, 500)}`);
  return reply;
}
