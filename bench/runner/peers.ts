import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./wrangler.ts";

/**
 * The servers a team would pick instead of ours to serve MCP from Workers (issue 20), each a Worker under
 * bench/peers/<name> serving the naive baseline's tools with that library's recommended setup.
 */
export const PEER_NAMES = ["agents", "mcp-handler", "hono-mcp", "fastmcp"] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** What the report says about a peer, besides its figures. */
export interface PeerSpec {
  /** The npm package (pinned in package.json's devDependencies). */
  package: string;
  /** The peer Worker's wrangler config, relative to the repository root. */
  config: string;
  /** How it authenticates a request in the bench. */
  auth: string;
  /** How it serves a request: what it builds per request and what it keeps. */
  serving: string;
}

/** Every peer's spec. */
export const PEERS: Record<PeerName, PeerSpec> = {
  agents: {
    package: "agents",
    config: "bench/peers/agents/wrangler.toml",
    auth: "none (its only documented auth is OAuthProvider, a whole OAuth server: no bearer-token hook)",
    serving: "createMcpHandler (agents/mcp/server): SDK v2 McpServer built per request by the factory",
  },
  "mcp-handler": {
    package: "mcp-handler",
    config: "bench/peers/mcp-handler/wrangler.toml",
    auth: "withMcpAuth, required, fixed token",
    serving: "createMcpHandler (mcp-handler): SDK v2 McpServer initialised per request",
  },
  "hono-mcp": {
    package: "@hono/mcp",
    config: "bench/peers/hono-mcp/wrangler.toml",
    auth: "@hono/mcp bearerAuth middleware, fixed token",
    serving: "one SDK v1 McpServer and one StreamableHTTPTransport at module scope (stateless), a Hono route",
  },
  fastmcp: {
    package: "fastmcp",
    config: "bench/peers/fastmcp/wrangler.toml",
    auth: "fixed-token check in front of fetch (EdgeFastMCP has no auth hook yet)",
    serving: "EdgeFastMCP (fastmcp/edge): tools at module scope, its own JSON-RPC switch over Hono",
  },
};

/** The installed version of a peer's package, read from node_modules. */
export function peerVersion(name: PeerName): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", PEERS[name].package, "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
