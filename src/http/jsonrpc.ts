import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";

// The shape of one JSON-RPC 2.0 message as MCP sends it: the session lane's SDK (v1) schema, rule for rule. The SDK's
// own `JSONRPCMessageSchema` lives in its protocol module, a few hundred schemas that take a large part of start-up to
// build; the guard must parse every POST before either lane (and its SDK) is loaded, so it keeps this copy.
// test/node/lean-lanes.test.ts proves the two accept and refuse the same messages.

const RequestId = z.union([z.string(), z.number().int()]);
const Meta = z.looseObject({
  progressToken: RequestId.optional(),
  "io.modelcontextprotocol/related-task": z.object({ taskId: z.string() }).optional(),
});
const Params = z.looseObject({ _meta: Meta.optional() });
const Version = z.literal("2.0");

/** One JSON-RPC 2.0 message: a request, a notification, a result or an error response. Batches are not messages. */
export const JsonRpcMessageSchema: z.ZodType<JSONRPCMessage> = z.union([
  z.strictObject({ jsonrpc: Version, id: RequestId, method: z.string(), params: Params.optional() }),
  z.strictObject({ jsonrpc: Version, method: z.string(), params: Params.optional() }),
  z.strictObject({ jsonrpc: Version, id: RequestId, result: z.looseObject({ _meta: Meta.optional() }) }),
  z.strictObject({
    jsonrpc: Version,
    id: RequestId.optional(),
    error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
  }),
]) as z.ZodType<JSONRPCMessage>;
