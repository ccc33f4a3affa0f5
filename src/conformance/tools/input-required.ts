/**
 * Conformance fixtures for MCP 2026-07-28 multi round-trip input (SEP-2322 `InputRequiredResult`, SEP-2575 client
 * capabilities), with the names and questions the suite's `input-required-result-*` and `server-stateless` scenarios
 * use. A fixture asks for what it lacks, and completes once every answer is in; a missing or malformed answer is
 * asked for again. Stateless lane only: the session lane's asking fixtures are in session-asking.ts.
 */
import * as z from "zod";
import { defineTool } from "../../tools/define.ts";
import { errorResult } from "../../tools/result.ts";
import type {
  ElicitationRequest,
  InputRequest,
  ListRootsRequest,
  SamplingRequest,
  Tool,
  ToolInput,
  ToolResult,
} from "../../tools/types.ts";
import { describe, gather } from "./answers.ts";
import { READ_ONLY } from "../../tools/annotations.ts";

const NO_ARGS = z.object({});
const FEATURE = "conformance_fixtures";
const STATELESS = ["stateless"] as const;

function elicit(message: string, field: string, type: "string" | "boolean"): ElicitationRequest {
  return {
    method: "elicitation/create",
    params: {
      mode: "form",
      message,
      requestedSchema: { type: "object", properties: { [field]: { type } }, required: [field] },
    },
  };
}

function sample(text: string, maxTokens: number): SamplingRequest {
  return {
    method: "sampling/createMessage",
    params: { messages: [{ role: "user", content: { type: "text", text } }], maxTokens },
  };
}

const ASK_NAME = elicit("What is your name?", "name", "string");
const ASK_CONFIRM = elicit("Please confirm", "ok", "boolean");
const ASK_CAPITAL = sample("What is the capital of France?", 100);
const ASK_GREETING = sample("Generate a greeting", 50);
const ASK_ROOTS: ListRootsRequest = { method: "roots/list", params: {} };
const ASK_STEP1 = elicit("Step 1: What is your name?", "name", "string");
const ASK_STEP2 = elicit("Step 2: What is your favorite color?", "color", "string");

/** The result that asks the client for `requests`, with `state` to be sealed into `requestState`. */
function ask(requests: Record<string, InputRequest>, state?: unknown): ToolResult {
  return {
    content: [{ type: "text", text: `Input required: ${Object.keys(requests).join(", ")}.` }],
    inputRequired: { requests, ...(state === undefined ? {} : { state }) },
  };
}

function text(t: string): ToolResult {
  return { content: [{ type: "text", text: t }] };
}

const NEEDS_STATELESS = "This tool asks the client for input mid-call, which needs MCP 2026-07-28.";

/** A fixture tool that asks for `requests` (sealing `state`, when given) and finishes with `finish` once answered. */
function asking(
  name: string,
  description: string,
  requests: (input: ToolInput) => Record<string, InputRequest>,
  finish: (answers: Record<string, string>) => string,
  state?: { value: unknown; valid: (state: unknown) => boolean },
): Tool {
  return defineTool({
    name,
    title: name,
    description,
    feature: FEATURE,
    lanes: STATELESS,
    input: NO_ARGS,
    annotations: READ_ONLY,
    async handler(_args, ctx) {
      if (!ctx.input) return errorResult(NEEDS_STATELESS);
      const wanted = requests(ctx.input);
      // Answers without the state the question was sealed with are answers to nothing: ask again.
      if (state && !state.valid(ctx.input.state)) return ask(wanted, state.value);
      const got = gather(ctx.input, wanted);
      if (!got.done) return ask(got.open, state?.value);
      return text(finish(Object.fromEntries(Object.entries(got.answers).map(([k, a]) => [k, describe(a)]))));
    },
  });
}

/** State a fixture seals with its question and expects back with the answers. */
function sealed(marker: string): { value: unknown; valid: (state: unknown) => boolean } {
  return { value: { asked: marker }, valid: (s) => (s as { asked?: unknown } | undefined)?.asked === marker };
}

const ROUND_1 = z.object({ step: z.literal(1) });
const ROUND_2 = z.object({ step: z.literal(2), name: z.string() });

// Each multi-round step is a state of its own: round 1 seals {step 1}, round 2 seals {step 2, name}.
const multiRound = defineTool({
  name: "test_input_required_result_multi_round",
  title: "test_input_required_result_multi_round",
  description:
    "Asks two questions in two rounds, its requestState changing between them (conformance: input-required-result-multi-round).",
  feature: FEATURE,
  lanes: STATELESS,
  input: NO_ARGS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    if (!ctx.input) return errorResult(NEEDS_STATELESS);
    const round2 = ROUND_2.safeParse(ctx.input.state);
    if (round2.success) {
      const got = gather(ctx.input, { step2: ASK_STEP2 });
      if (!got.done) return ask(got.open, round2.data);
      return text(`${round2.data.name} likes ${describe(got.answers.step2)}.`);
    }
    if (ROUND_1.safeParse(ctx.input.state).success) {
      const got = gather(ctx.input, { step1: ASK_STEP1 });
      const answer = got.done ? got.answers.step1 : undefined;
      if (answer?.method === "elicitation/create" && typeof answer.content?.name === "string") {
        return ask({ step2: ASK_STEP2 }, { step: 2, name: answer.content.name });
      }
    }
    return ask({ step1: ASK_STEP1 }, { step: 1 });
  },
});

/** The input-required fixtures, all stateless-lane only. */
export const INPUT_REQUIRED_TOOLS: readonly Tool[] = Object.freeze([
  asking(
    "test_input_required_result_elicitation",
    "Asks the user's name by elicitation, then greets them (conformance: input-required-result-basic-elicitation).",
    () => ({ user_name: ASK_NAME }),
    (a) => `Hello, ${a.user_name}!`,
  ),
  asking(
    "test_input_required_result_sampling",
    "Asks the client's model a question by sampling (conformance: input-required-result-basic-sampling).",
    () => ({ capital_question: ASK_CAPITAL }),
    (a) => `The model answered: ${a.capital_question}`,
  ),
  asking(
    "test_input_required_result_list_roots",
    "Asks the client for its roots (conformance: input-required-result-basic-list-roots).",
    () => ({ client_roots: ASK_ROOTS }),
    (a) => `The client's roots: ${a.client_roots}`,
  ),
  asking(
    "test_input_required_result_request_state",
    "Asks for a confirmation with a sealed requestState and checks it on the retry (conformance: input-required-result-request-state).",
    () => ({ confirm: ASK_CONFIRM }),
    (a) => `state-ok: ${a.confirm}`,
    sealed("confirm"),
  ),
  asking(
    "test_input_required_result_multiple_inputs",
    "Asks by elicitation, sampling and roots/list at once (conformance: input-required-result-multiple-input-requests).",
    () => ({ user_name: ASK_NAME, greeting: ASK_GREETING, client_roots: ASK_ROOTS }),
    (a) => `name ${a.user_name}; greeting ${a.greeting}; roots ${a.client_roots}`,
    sealed("everything"),
  ),
  multiRound,
  asking(
    "test_input_required_result_tampered_state",
    "Asks for a confirmation with a sealed requestState; a tampered one is refused (conformance: input-required-result-tampered-state).",
    () => ({ confirm: ASK_CONFIRM }),
    (a) => `state-ok: ${a.confirm}`,
    sealed("tamper-check"),
  ),
  asking(
    "test_input_required_result_capabilities",
    "Asks only by the means the request's client capabilities declare (conformance: input-required-result-capability-check).",
    ({ clientCapabilities: caps }) => ({
      ...("elicitation" in caps ? { user_name: ASK_NAME } : {}),
      ...("sampling" in caps ? { capital_question: ASK_CAPITAL } : {}),
      ...("roots" in caps ? { client_roots: ASK_ROOTS } : {}),
    }),
    (a) => (Object.keys(a).length ? `Answers: ${JSON.stringify(a)}` : "The client declared no way to ask it anything."),
  ),
  // Always asks by sampling: a client that did not declare `sampling` gets -32021 from the lane (server-stateless).
  asking(
    "test_missing_capability",
    "Needs the client's sampling capability; without it the call fails with -32021 (conformance: server-stateless).",
    () => ({ capital_question: ASK_CAPITAL }),
    (a) => `The model answered: ${a.capital_question}`,
  ),
  // Mid-call input rides the call's own response as an InputRequiredResult, never as a request on the stream.
  asking(
    "test_streaming_elicitation",
    "Asks the user's name while the call runs (conformance: server-stateless, no independent requests on the stream).",
    () => ({ user_name: ASK_NAME }),
    (a) => `Hello, ${a.user_name}!`,
  ),
]);
