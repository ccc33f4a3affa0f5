// The two protocol lanes, each loaded on its first use. A lane is the whole of one MCP SDK generation (its protocol
// schemas, server and transport) plus our tools; an isolate evaluates only the lanes its requests need, after start-up
// instead of during it. Import a lane's modules only through these functions: one static import of a lane module
// from the always-loaded code would evaluate it (and its SDK) at start-up again; test/node/production-bundle.test.ts
// checks that start-up evaluates neither SDK.

import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { mayBeStateless } from "./era.ts";

type SessionLane = typeof import("./session-lane.ts");
type StatelessLane = typeof import("./stateless-lane.ts");

let session: Promise<SessionLane> | undefined;
let stateless: Promise<StatelessLane> | undefined;

/** The session lane (MCP 2024-11-05 .. 2025-11-25, the v1 SDK): src/mcp/session-lane.ts. */
export function sessionLane(): Promise<SessionLane> {
  session ??= import("./session-lane.ts");
  return session;
}

/** The stateless lane (MCP 2026-07-28, the v2 SDK): src/mcp/stateless-lane.ts. */
export function statelessLane(): Promise<StatelessLane> {
  stateless ??= import("./stateless-lane.ts");
  return stateless;
}

/**
 * Starts loading a lane without waiting for it, so its evaluation can overlap I/O the request does first. A failure
 * surfaces where the lane is awaited.
 */
export function preloadLane(lane: "session" | "stateless"): void {
  (lane === "session" ? sessionLane() : statelessLane()).catch(() => undefined);
}

/**
 * Whether a parsed POST belongs to the 2026-07-28 lane. The SDK's own classifier decides (the one `createMcpHandler`
 * runs), so the routing cannot disagree with the handler: a request carrying the per-request `_meta` envelope claim is
 * stateless, and so is one that only names a stateless revision in `MCP-Protocol-Version` (the stateless lane answers
 * it with the right error). A message with neither is session whatever the classifier says of it, so it is decided
 * here without loading the stateless lane: `initialize` and every session-lane message never pay for the v2 SDK.
 */
export async function isStatelessPost(request: Request, message: JSONRPCMessage): Promise<boolean> {
  if (!mayBeStateless(request, message)) return false;
  return (await statelessLane()).classifiesStateless(request, message);
}
