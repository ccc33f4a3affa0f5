import type { JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import type { TenantContext } from "../../tenancy/tenant.ts";
import { offeringFor } from "../offering.ts";

/**
 * Whether a session-lane `tools/call` names a tool of the tenant's that may ask the client mid-call (`asksClient`):
 * its response must then be an SSE stream, the only way the question reaches the client. A map lookup in the
 * memoised offering; an unknown name is `false` (the call fails before it could ask).
 */
export function mayAskClient(message: JSONRPCRequest, tenant: TenantContext): boolean {
  const name = message.params?.name;
  if (typeof name !== "string") return false;
  return offeringFor(tenant.features, "session").tools.byName.get(name)?.asksClient === true;
}
