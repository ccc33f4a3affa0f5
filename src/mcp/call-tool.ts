import type { Tool, ToolContext, ToolResult } from "../tools/types.ts";

/**
 * Runs one tool call, the same way in both lanes: arguments validated by the tool's precompiled schema (a bad
 * argument is a tool error the model can correct, per MCP 2025-11-25 "Tools / Error Handling"), then the handler,
 * which turns its own faults into a short `isError` result (see `defineTool`). Every call, failed ones included, is
 * reported to `ctx.audit`, which writes after the response.
 */
export async function callTool(tool: Tool, rawArgs: unknown, ctx: ToolContext): Promise<ToolResult> {
  const startedAt = Date.now();
  let result: ToolResult | undefined;
  try {
    result = await run(tool, rawArgs, ctx);
    return result;
  } finally {
    // Workers advance the clock only across I/O; a tool's duration is its I/O, so this measures what matters.
    ctx.audit?.({
      tool: tool.name,
      status: result && !result.isError ? "ok" : "error",
      startedAt,
      durationMs: Date.now() - startedAt,
    });
  }
}

async function run(tool: Tool, rawArgs: unknown, ctx: ToolContext): Promise<ToolResult> {
  const parsed = tool.parse(rawArgs ?? {});
  if (!parsed.success) return { content: [{ type: "text", text: parsed.error }], isError: true };
  return tool.handler(parsed.data, ctx);
}
