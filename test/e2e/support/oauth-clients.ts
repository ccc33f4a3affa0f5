/**
 * The real MCP client libraries connecting with OAuth, each the way its documentation says: the transport gets an
 * `authProvider`; the first connection fails with `UnauthorizedError` after the provider was sent to `/authorize`;
 * the code from the callback goes to `transport.finishAuth`; a new connection then carries the access token.
 */
import { UnauthorizedError as V1Unauthorized } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientProvider as V1Provider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1Transport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  Client as V2Client,
  type OAuthClientProvider as V2Provider,
  StreamableHTTPClientTransport as V2Transport,
  UnauthorizedError as V2Unauthorized,
  type VersionNegotiationMode,
} from "@modelcontextprotocol/client";
import type { RealClient, ToolOutcome } from "./clients.ts";
import type { HeadlessOAuthProvider } from "./oauth-client.ts";

/** One client library in one protocol era, connecting with OAuth. */
export interface OAuthClientKind {
  name: string;
  lane: "session" | "stateless";
  /** Connects to `mcpUrl` as `provider`'s person, signing in first when the provider has no token yet. */
  connect(mcpUrl: string, provider: HeadlessOAuthProvider): Promise<RealClient>;
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

function wrap(client: V1Client | V2Client, end: () => Promise<void>): RealClient {
  return {
    listTools: async () => (await client.listTools()).tools.map((t) => t.name),
    callTool: async (name, args = {}) => outcome((await client.callTool({ name, arguments: args })) as AnyCallResult),
    close: end,
  };
}

/** The issuer the Worker's authorization server has for `mcpUrl` (its origin). */
function issuerOf(mcpUrl: string): string {
  return new URL(mcpUrl).origin;
}

async function connectV1(mcpUrl: string, provider: HeadlessOAuthProvider): Promise<RealClient> {
  const authProvider = provider as V1Provider;
  const attempt = async (transport: V1Transport): Promise<RealClient> => {
    const client = new V1Client({ name: "e2e-v1-oauth", version: "1.0.0" });
    await client.connect(transport);
    return wrap(client, async () => {
      await transport.terminateSession();
      await client.close();
    });
  };
  const first = new V1Transport(new URL(mcpUrl), { authProvider });
  try {
    return await attempt(first);
  } catch (err) {
    if (!(err instanceof V1Unauthorized)) throw err;
  }
  // The v1 transport takes the code alone; the provider checked state and iss.
  await first.finishAuth(provider.takeCallback(issuerOf(mcpUrl)).get("code") ?? "");
  return attempt(new V1Transport(new URL(mcpUrl), { authProvider }));
}

async function connectV2(
  mcpUrl: string,
  provider: HeadlessOAuthProvider,
  mode: VersionNegotiationMode,
): Promise<RealClient> {
  const authProvider = provider as unknown as V2Provider;
  const attempt = async (transport: V2Transport): Promise<RealClient> => {
    const client = new V2Client({ name: "e2e-v2-oauth", version: "1.0.0" }, { versionNegotiation: { mode } });
    await client.connect(transport);
    return wrap(client, () => client.close());
  };
  const first = new V2Transport(new URL(mcpUrl), { authProvider });
  try {
    return await attempt(first);
  } catch (err) {
    if (!(err instanceof V2Unauthorized)) throw err;
  }
  // The v2 transport checks `iss` itself (RFC 9207) when given the callback's whole query.
  await first.finishAuth(provider.takeCallback(issuerOf(mcpUrl)));
  return attempt(new V2Transport(new URL(mcpUrl), { authProvider }));
}

/** Every client the OAuth e2e tests run. */
export const OAUTH_CLIENT_KINDS: readonly OAuthClientKind[] = [
  { name: "SDK v1 (StreamableHTTPClientTransport)", lane: "session", connect: connectV1 },
  {
    name: "SDK v2 client, session negotiation (initialize)",
    lane: "session",
    connect: (url, provider) => connectV2(url, provider, "legacy"),
  },
  {
    name: "SDK v2 client, pinned to 2026-07-28 (stateless)",
    lane: "stateless",
    connect: (url, provider) => connectV2(url, provider, { pin: "2026-07-28" }),
  },
];
