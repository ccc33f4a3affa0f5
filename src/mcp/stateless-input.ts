import {
  CLIENT_CAPABILITIES_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type RequestStateCodec,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { InputRequired, ToolInput } from "../tools/types.ts";
import type { SealedToolState } from "./stateless-request-state.ts";

/**
 * The input a 2026-07-28 request brings to the tool or prompt named `owner` (a tool's name, `prompt:<name>` for a
 * prompt): the client's answers, the state sealed into the earlier `InputRequiredResult`, and the capabilities the
 * request declares. The SDK has already verified the state's integrity (`requestState.verify`); this refuses state
 * another tool or prompt minted, with the SDK's own answer for bad state.
 */
export function statelessInput(ctx: ServerContext, owner: string): ToolInput {
  const sealed = ctx.mcpReq.requestState<SealedToolState>();
  if (sealed !== undefined && sealed.tool !== owner) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, "Invalid or expired requestState", {
      reason: "invalid_request_state",
    });
  }
  // The envelope type does not declare its keys; the SDK validated the envelope before dispatch.
  const declared = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY];
  return {
    responses: ctx.mcpReq.inputResponses,
    state: sealed?.state,
    clientCapabilities: declared !== null && typeof declared === "object" ? (declared as Record<string, unknown>) : {},
  };
}

/**
 * The wire `InputRequiredResult` (multi round-trip) for what `owner` needs, its state sealed into `requestState`
 * together with `call`, the audit link of a tool call. The SDK checks each request against the capabilities the
 * client declared and answers one it cannot serve with -32021 (HTTP 400).
 */
export async function inputRequiredResult(
  owner: string,
  needed: InputRequired,
  ctx: ServerContext,
  codec: () => Promise<RequestStateCodec<SealedToolState>>,
  call?: string,
): Promise<Record<string, unknown>> {
  const sealed: SealedToolState = { tool: owner, state: needed.state, ...(call === undefined ? {} : { call }) };
  return {
    resultType: "input_required",
    inputRequests: needed.requests,
    ...(needed.state === undefined ? {} : { requestState: await (await codec()).mint(sealed, ctx) }),
  };
}
