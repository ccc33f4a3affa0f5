import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";

type Extra = Parameters<Parameters<Server["setRequestHandler"]>[1]>[1];

/**
 * Registers a request handler whose params are validated by `schema`, answering bad params with JSON-RPC -32602.
 * The SDK parses with the schema before calling the handler and reports a failed parse as -32603 (internal
 * error): a client's mistake must not look like our fault, so the SDK sees a schema that only pins the method.
 */
export function handle<S extends z.ZodObject<{ method: z.ZodLiteral<string> }>, R>(
  server: Server,
  schema: S,
  handler: (request: z.output<S>, extra: Extra) => Promise<R> | R,
): void {
  const method = schema.shape.method.value as string;
  const loose = z.looseObject({ method: z.literal(method) });
  server.setRequestHandler(loose as never, async (request: unknown, extra: Extra) => {
    const parsed = schema.safeParse(request);
    if (!parsed.success) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Invalid params for ${method}: ${z.prettifyError(parsed.error).split("\n")[0]}`,
      );
    }
    return handler(parsed.data, extra) as never;
  });
}
