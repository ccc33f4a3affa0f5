// The two protocol lanes, each loaded on its first use. A lane is the whole of one MCP SDK generation (its protocol
// schemas, server and transport) plus our tools; an isolate evaluates only the lanes its requests need, after start-up
// instead of during it. Import a lane's modules only through these functions: one static import of a lane module
// from the always-loaded code would evaluate it (and its SDK) at start-up again; test/node/production-bundle.test.ts
// checks that start-up evaluates neither SDK.

import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { mayBeStateless } from "./era.ts";

type SessionLane = typeof import("./session-lane.ts");
type StatelessLane = typeof import("./stateless-lane.ts");

// The loaded modules, not the promises of loading them: a promise one request started must not be awaited by another
// (workerd ties it to the request that made it; where loading a module is I/O, as under the test runner, another
// request awaiting it would never complete once the first ended). Until a lane is loaded each request imports it; the
// module system evaluates it once. For the same reason a request awaits every load it starts: a load left running
// past its request's end (a request refused at admission, say) would leave the module unloadable for the others.
// The lane loads after admission, so a refused request never makes an isolate load one.
let session: SessionLane | undefined;
let stateless: StatelessLane | undefined;

/** The session lane (MCP 2024-11-05 .. 2025-11-25, the v1 SDK): src/mcp/session-lane.ts. */
export async function sessionLane(): Promise<SessionLane> {
  session ??= await import("./session-lane.ts");
  return session;
}

/** The stateless lane (MCP 2026-07-28, the v2 SDK): src/mcp/stateless-lane.ts. */
export async function statelessLane(): Promise<StatelessLane> {
  stateless ??= await import("./stateless-lane.ts");
  return stateless;
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
