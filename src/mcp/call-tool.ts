import type { Tool, ToolContext, ToolResult } from "../tools/types.ts";

/**
 * Runs one tool call, the same way in both lanes: arguments validated by the tool's precompiled schema (a bad
 * argument is a tool error the model can correct, per MCP 2025-11-25 "Tools / Error Handling"), then the handler,
 * which turns its own faults into a short `isError` result (see `defineTool`). The audit log records the call from
 * the lane, where the answer the client gets is known (see src/audit/recorder.ts).
 */
export async function callTool(tool: Tool, rawArgs: unknown, ctx: ToolContext): Promise<ToolResult> {
  const parsed = tool.parse(rawArgs ?? {});
  if (!parsed.success) return { content: [{ type: "text", text: parsed.error }], isError: true };
  return tool.handler(parsed.data, ctx);
}
