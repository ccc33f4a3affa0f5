// The two protocol lanes, each loaded on its first use (src/lazy.ts). A lane is the whole of one MCP SDK generation (its protocol
// schemas, server and transport) plus our tools; an isolate evaluates only the lanes its requests need, after start-up
// instead of during it. Import a lane's modules only through these functions: one static import of a lane module
// from the always-loaded code would evaluate it (and its SDK) at start-up again; test/node/production-bundle.test.ts
// checks that start-up evaluates neither SDK.

import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { lazyModule } from "../lazy.ts";
import { mayBeStateless } from "./era.ts";

type SessionLane = typeof import("./session-lane.ts");
type StatelessLane = typeof import("./stateless-lane.ts");

/** The session lane (MCP 2024-11-05 .. 2025-11-25, the v1 SDK): src/mcp/session-lane.ts. */
export const sessionLane: () => Promise<SessionLane> = lazyModule(() => import("./session-lane.ts"));

/** The stateless lane (MCP 2026-07-28, the v2 SDK): src/mcp/stateless-lane.ts. */
export const statelessLane: () => Promise<StatelessLane> = lazyModule(() => import("./stateless-lane.ts"));

/**
 * The checks of a POSTed message against the tenant's tools (scopes, writes during a move): they read the tool
 * catalogue, which loads with them.
 */
export const toolChecks = lazyModule(async () => {
  const [{ checkScopes }, { refuseWritesWhileMoving }] = await Promise.all([
    import("./required-scopes.ts"),
    import("./moving-guard.ts"),
  ]);
  return { checkScopes, refuseWritesWhileMoving };
});

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
