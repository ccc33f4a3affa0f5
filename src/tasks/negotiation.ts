import {
  CLIENT_CAPABILITIES_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { TASKS_EXTENSION } from "./types.ts";

/** The capabilities a 2026-07-28 request declares (its `_meta` envelope; the SDK validated it before dispatch). */
export function declaredCapabilities(ctx: ServerContext): Record<string, unknown> {
  const declared = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY];
  return declared !== null && typeof declared === "object" ? (declared as Record<string, unknown>) : {};
}

/**
 * Whether the request negotiated the tasks extension: it declares `io.modelcontextprotocol/tasks` under
 * `extensions` in its client capabilities. 2026-07-28 has no session, so each request opts in on its own (SEP-2575).
 */
export function tasksNegotiated(ctx: ServerContext): boolean {
  const extensions = declaredCapabilities(ctx).extensions;
  return extensions !== null && typeof extensions === "object" && TASKS_EXTENSION in extensions;
}

/**
 * -32021 Missing Required Client Capability (SEP-2575), naming the tasks extension in `data.requiredCapabilities` as
 * SEP-2663 asks: for a task method, or a tool that runs only as a task, from a request without the extension.
 */
export function tasksRequired(): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.MissingRequiredClientCapability,
    `This request needs the ${TASKS_EXTENSION} extension in the client capabilities`,
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
  );
}
