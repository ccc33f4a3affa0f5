import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import { errorResult } from "../../tools/result.ts";
import type { InputRequest, Tool, ToolContext, ToolInput, ToolResult } from "../../tools/types.ts";
import { callTool, type CallKeying } from "../call-tool.ts";
import { CAPABILITY_OF, type ClientAsker } from "./asker.ts";

/** Most rounds of questions one call may put to its client, so a tool that keeps asking cannot hold a call forever. */
export const MAX_ASK_ROUNDS = 4;

/** How a session-lane call may ask its client: the session's asker, and the call's own JSON-RPC id. */
export interface CallAsking {
  asker: ClientAsker;
  requestId: RequestId;
  signal: AbortSignal;
}

/**
 * Runs a session-lane tool call that may need the client's input. Tools ask the same way in both lanes, by returning
 * `inputRequired` (src/tools/types.ts); the 2026-07-28 lane sends that back to the client as an `InputRequiredResult`,
 * while here the questions go to the client as requests on the call's SSE response (all of one round at once), and the
 * tool runs again with the answers in `ctx.input`, as a stateless retry would. Its state never leaves this
 * invocation, so it needs no sealing. A request the client did not declare a capability for, a question not answered
 * in time, a refusal, or a Redis fault ends the call with an `isError` result.
 */
export async function callToolAsking(
  tool: Tool,
  rawArgs: unknown,
  ctx: ToolContext,
  keying: CallKeying | undefined,
  asking: CallAsking,
): Promise<ToolResult> {
  let input: ToolInput = { responses: undefined, state: undefined, clientCapabilities: asking.asker.capabilities };
  for (let round = 0; ; round++) {
    const { inputRequired, ...result } = await callTool(tool, rawArgs, { ...ctx, input }, keying);
    if (!inputRequired) return result;
    if (round === MAX_ASK_ROUNDS)
      return errorResult(`${tool.name} asked the client more than ${MAX_ASK_ROUNDS} times.`);
    const requests = Object.entries(inputRequired.requests);
    const undeclared = requests.find(([, r]) => !(CAPABILITY_OF[r.method] in asking.asker.capabilities));
    if (undeclared) return errorResult(missingCapability(tool.name, undeclared[1]));
    const answers = await Promise.all(
      requests.map(
        async ([key, request]) => [key, await asking.asker.ask(request, asking.requestId, asking.signal)] as const,
      ),
    );
    const failed = answers.find(([, a]) => !a.ok)?.[1];
    if (failed && !failed.ok) return errorResult(failed.message);
    input = {
      responses: Object.fromEntries(answers.map(([key, a]) => [key, a.ok ? a.result : undefined])),
      state: inputRequired.state,
      clientCapabilities: asking.asker.capabilities,
    };
  }
}

function missingCapability(tool: string, request: InputRequest): string {
  const capability = CAPABILITY_OF[request.method];
  return `${tool} needs to ask the client (${request.method}), and this session's client did not declare the "${capability}" capability at initialize.`;
}
