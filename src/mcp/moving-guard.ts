import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../auth/principal.ts";
import { MCP_WRITE } from "../auth/scopes.ts";
import { HttpError } from "../http/errors.ts";
import type { Lane } from "../tools/types.ts";
import { requiredScopes } from "./required-scopes.ts";

/** Seconds a client is told to wait before retrying a write while its tenant's data moves. */
const MOVING_RETRY_AFTER_SECONDS = 5;

/**
 * Refuses a call that would change data while the tenant's data is being moved to another isolation tier (`tenant
 * move`): 503 with Retry-After, before any MCP work, for this tenant only. Reads go on (from the old copy until the
 * switch). A write that raced the flag is still refused by the fence in the database (public.enter_tenant) and
 * reported as a tool error; either way nothing was written, and a retry after the move succeeds. No I/O.
 *
 * @throws {HttpError} 503 while the tenant's data is moving and `message` is a call of a tool that writes.
 */
export function refuseWritesWhileMoving(message: JSONRPCMessage, principal: Principal, lane: Lane): void {
  if (!principal.tenant.dataMoving) return;
  if (!requiredScopes(message, principal, lane).includes(MCP_WRITE)) return;
  throw new HttpError(503, "This tenant's data is being moved; nothing was changed. Retry in a few seconds.", {
    headers: { "retry-after": String(MOVING_RETRY_AFTER_SECONDS) },
    internal: "write refused: the tenant's data is moving to another isolation tier",
  });
}
