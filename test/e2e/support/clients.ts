/**
 * The real MCP client libraries the e2e tests drive over HTTP, behind one small interface, so every test runs
 * against each of them. To add a client (or a lane), add a {@link ClientKind}.
 */
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1Transport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2Transport,
  type VersionNegotiationMode,
} from "@modelcontextprotocol/client";

/** What a tool call came back with, whatever the library. */
export interface ToolOutcome {
  isError: boolean;
  /** The text blocks, joined. */
  text: string;
  structured: unknown;
}

/** A connected client. */
export interface RealClient {
  /** Tool names, in `tools/list` order. */
  listTools(): Promise<string[]>;
  callTool(name: string, args?: Record<string, unknown>): Promise<ToolOutcome>;
  close(): Promise<void>;
}

/** One client library in one protocol era. */
export interface ClientKind {
  name: string;
  /** The lane of `/mcp` it speaks to. */
  lane: "session" | "stateless";
  /** Why it cannot run yet; the tests list it as a todo until this is removed. */
  pending?: string;
  connect(mcpUrl: string, apiKey: string): Promise<RealClient>;
}

/** The v1 SDK (`@modelcontextprotocol/sdk` 1.x), the library most MCP clients in use today are built on. */
export async function connectV1(
  mcpUrl: string,
  apiKey: string,
  name = "e2e-v1",
): Promise<{ client: V1Client; transport: V1Transport }> {
  const transport = new V1Transport(new URL(mcpUrl), {
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
  });
  const client = new V1Client({ name, version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

async function connectV2(mcpUrl: string, apiKey: string, mode: VersionNegotiationMode): Promise<V2Client> {
  const transport = new V2Transport(new URL(mcpUrl), {
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
  });
  const client = new V2Client({ name: "e2e-v2", version: "1.0.0" }, { versionNegotiation: { mode } });
  await client.connect(transport);
  return client;
}

type AnyCallResult = { isError?: boolean; content?: unknown; structuredContent?: unknown };

function outcome(result: AnyCallResult): ToolOutcome {
  const blocks = Array.isArray(result.content) ? (result.content as Array<{ type: string; text?: string }>) : [];
  return {
    isError: result.isError === true,
    text: blocks
      .filter((b) => b.type === "text")
      .map((b) => b.text ?? "")
      .join("\n"),
    structured: result.structuredContent,
  };
}

/** Adapts either SDK generation's Client (same method names) to {@link RealClient}. */
function wrap(client: V1Client | V2Client, end: () => Promise<void>): RealClient {
  return {
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    callTool: async (name, args = {}) => outcome((await client.callTool({ name, arguments: args })) as AnyCallResult),
    close: end,
  };
}

/** Every client the e2e tests run, in both lanes. */
export const CLIENT_KINDS: readonly ClientKind[] = [
  {
    name: "SDK v1 (StreamableHTTPClientTransport)",
    lane: "session",
    async connect(url, key) {
      const { client, transport } = await connectV1(url, key);
      // DELETE the session first, as a well-behaved client does when it is done.
      return wrap(client, async () => {
        await transport.terminateSession();
        await client.close();
      });
    },
  },
  {
    name: "SDK v2 client, session negotiation (initialize)",
    lane: "session",
    async connect(url, key) {
      const client = await connectV2(url, key, "legacy");
      return wrap(client, () => client.close());
    },
  },
  {
    name: "SDK v2 client, pinned to 2026-07-28 (stateless)",
    lane: "stateless",
    async connect(url, key) {
      const client = await connectV2(url, key, { pin: "2026-07-28" });
      return wrap(client, () => client.close());
    },
  },
];
