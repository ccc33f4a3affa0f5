import { LOG_LEVEL_META_KEY, type RequestStateCodec, type ServerContext } from "@modelcontextprotocol/server";
import type { ToolCallRecorder } from "../audit/recorder.ts";
import type { RequestContext } from "../context.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import type { ClientLog, Tool } from "../tools/types.ts";
import { callTool, type CallKeying } from "./call-tool.ts";
import { inputRequiredResult, statelessInput } from "./stateless-input.ts";
import type { SealedToolState } from "./stateless-request-state.ts";
import { SERVER_INFO } from "./server-info.ts";
import { createToolContext, type ProgressSink } from "./tool-context.ts";

/** What a 2026-07-28 tool call needs besides the call itself. */
export interface StatelessCallDeps {
  rc: RequestContext;
  tenant: TenantContext;
  codec: () => Promise<RequestStateCodec<SealedToolState>>;
  /** The audit record of this round trip; it learns here which multi-round-trip call the round trip belongs to. */
  recorder?: ToolCallRecorder;
  /** The call's idempotency key sources, when the lane serves keys (src/idempotency/). */
  keying?: CallKeying;
}

/**
 * Runs one `tools/call` of the 2026-07-28 lane through the shared {@link callTool}. A tool that needs the user's input
 * returns `inputRequired`; this turns it into the wire `InputRequiredResult` (multi round-trip) with the tool's state
 * sealed into `requestState`. On the retry the SDK has already verified that state (see `requestState.verify`), and
 * the tool gets it back with the client's answers in `ToolContext.input`.
 *
 * Every round trip of one such call carries the same audit link: minted when the call first asks, sealed with the
 * state, and taken back from the verified state on the answer. A round trip whose state does not verify never gets
 * here (the SDK answers -32602), so it stays unlinked: nothing in that state can be trusted.
 */
export async function callStatelessTool(
  tool: Tool,
  rawArgs: unknown,
  ctx: ServerContext,
  deps: StatelessCallDeps,
): Promise<Record<string, unknown>> {
  const input = statelessInput(ctx, tool.name);
  // statelessInput has checked that this state is this tool's; the SDK had verified its MAC and expiry.
  const linked = ctx.mcpReq.requestState<SealedToolState>()?.call;
  if (linked !== undefined) deps.recorder?.link(linked);
  const log = clientLog(ctx);
  const toolCtx = {
    ...createToolContext(deps.rc, deps.tenant, ctx.mcpReq.signal, progressSink(ctx), input),
    ...(log ? { clientLog: log } : {}),
  };

  const { inputRequired, ...result } = await callTool(tool, rawArgs, toolCtx, deps.keying);
  if (!inputRequired) return { ...result };
  const call = linked ?? crypto.randomUUID();
  deps.recorder?.asking(call);
  return inputRequiredResult(tool.name, inputRequired, ctx, deps.codec, call);
}

/** Progress notifications ride the request's response (the SDK upgrades it to SSE), when the client asked for them. */
function progressSink(ctx: ServerContext): ProgressSink {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress, total, message) =>
    ctx.mcpReq.notify({
      method: "notifications/progress",
      params: {
        progressToken: token,
        progress,
        ...(total === undefined ? {} : { total }),
        ...(message === undefined ? {} : { message }),
      },
    });
}

/**
 * Log messages for the client, when its request's `_meta` names a level (2026-07-28: per request, no setLevel). The
 * SDK drops messages below that level and sends the rest on the call's response stream.
 */
function clientLog(ctx: ServerContext): ClientLog | undefined {
  // The SDK reads the level from the same place (the envelope type does not declare the key).
  if ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY] === undefined)
    return undefined;
  return (level, data) => ctx.mcpReq.log(level, data, SERVER_INFO.name);
}
