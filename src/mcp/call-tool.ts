import { callWithKey, keyForCall, type KeyScope } from "../idempotency/call.ts";
import { IdempotencyRefusal } from "../idempotency/refusal.ts";
import type { Tool, ToolContext, ToolResult } from "../tools/types.ts";
import { RpcCode } from "../http/errors.ts";
import type { RpcErrorShape } from "./outcomes.ts";

/** The idempotency side of one `tools/call`: the request's `params._meta` and what the lane knows of the caller. */
export interface CallKeying {
  meta: unknown;
  scope: KeyScope;
  /** The lane SDK's own error for a JSON-RPC error. */
  rpcError(e: RpcErrorShape): Error;
}

/**
 * Runs one tool call, the same way in both lanes: arguments validated by the tool's precompiled schema (a bad
 * argument is a tool error the model can correct, per MCP 2025-11-25 "Tools / Error Handling"), then the handler,
 * which turns its own faults into a short `isError` result (see `defineTool`). A write tool called with an idempotency
 * key runs through `callWithKey` (src/idempotency/); a malformed key, or a key used for another call, is -32602. The
 * audit log records the call from the lane, where the answer the client gets is known (see src/audit/recorder.ts).
 */
export async function callTool(
  tool: Tool,
  rawArgs: unknown,
  ctx: ToolContext,
  keying?: CallKeying,
): Promise<ToolResult> {
  const key = keying ? keyForCall(tool, keying.meta, keying.scope) : { ok: true as const };
  if (!key.ok) throw keying?.rpcError({ code: RpcCode.InvalidParams, message: key.message });
  const parsed = tool.parse(rawArgs ?? {});
  if (!parsed.success) return { content: [{ type: "text", text: parsed.error }], isError: true };
  const result = await run(tool, parsed.data, ctx, key.key, keying);
  // A document written announces itself to the tenant's notification streams (src/streams/changes.ts).
  ctx.announce?.(tool, parsed.data, result);
  return result;
}

async function run(
  tool: Tool,
  args: unknown,
  ctx: ToolContext,
  key: string | undefined,
  keying: CallKeying | undefined,
): Promise<ToolResult> {
  if (key === undefined || !keying) return tool.handler(args as never, ctx);
  try {
    return await callWithKey(tool, args as never, ctx, key, keying.scope.credential);
  } catch (err) {
    if (err instanceof IdempotencyRefusal) throw keying.rpcError({ code: RpcCode.InvalidParams, message: err.message });
    throw err;
  }
}
