/**
 * Prompts the MCP conformance suite gets by name, with the messages its scenarios expect (as
 * `@modelcontextprotocol/server-everything` has them). Only tenants with the `conformance_fixtures` feature have them.
 */
import * as z from "zod";
import { definePrompt } from "../prompts/define.ts";
import type { Prompt } from "../prompts/types.ts";
import type { ElicitationRequest } from "../tools/types.ts";
import { describe, gather } from "./tools/answers.ts";
import { RED_PIXEL_PNG } from "./tools/media.ts";

const FEATURE = "conformance_fixtures";

/** Values `completion/complete` suggests for `test_prompt_with_arguments`'s `arg1` (conformance: completion-complete). */
const ARG1_SUGGESTIONS = ["paris", "park", "party", "test", "testing"] as const;

const simple = definePrompt({
  name: "test_simple_prompt",
  title: "Simple prompt",
  description: "One fixed user message (conformance: prompts-get-simple).",
  feature: FEATURE,
  args: z.object({}),
  handler: async () => ({
    messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }],
  }),
});

const withArguments = definePrompt({
  name: "test_prompt_with_arguments",
  title: "Prompt with arguments",
  description: "Echoes its two arguments (conformance: prompts-get-with-args, completion-complete).",
  feature: FEATURE,
  args: z.object({
    arg1: z.string().max(1000).describe("First test argument"),
    arg2: z.string().max(1000).describe("Second test argument"),
  }),
  handler: async ({ arg1, arg2 }) => ({
    messages: [
      { role: "user", content: { type: "text", text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
    ],
  }),
  complete: async (argument, value) => (argument === "arg1" ? ARG1_SUGGESTIONS.filter((s) => s.startsWith(value)) : []),
});

const withEmbeddedResource = definePrompt({
  name: "test_prompt_with_embedded_resource",
  title: "Prompt with an embedded resource",
  description: "Embeds a text resource under the given URI (conformance: prompts-get-embedded-resource).",
  feature: FEATURE,
  args: z.object({ resourceUri: z.string().min(1).max(2048).describe("URI of the resource to embed") }),
  handler: async ({ resourceUri }) => ({
    messages: [
      {
        role: "user",
        content: {
          type: "resource",
          resource: { uri: resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." },
        },
      },
      { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
    ],
  }),
});

const withImage = definePrompt({
  name: "test_prompt_with_image",
  title: "Prompt with an image",
  description: "A 1x1 PNG and a question about it (conformance: prompts-get-with-image).",
  feature: FEATURE,
  args: z.object({}),
  handler: async () => ({
    messages: [
      { role: "user", content: { type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" } },
      { role: "user", content: { type: "text", text: "Please analyze the image above." } },
    ],
  }),
});

const ASK_CONTEXT: ElicitationRequest = {
  method: "elicitation/create",
  params: {
    mode: "form",
    message: "What context should the prompt use?",
    requestedSchema: { type: "object", properties: { context: { type: "string" } }, required: ["context"] },
  },
};

// prompts/get may answer with InputRequiredResult too (MCP 2026-07-28), so this one exists in the stateless lane only.
const inputRequired = definePrompt({
  name: "test_input_required_result_prompt",
  title: "Prompt that asks for input",
  description:
    "Asks the user for context by elicitation, then uses it (conformance: input-required-result-non-tool-request).",
  feature: FEATURE,
  lanes: ["stateless"],
  args: z.object({}),
  handler: async (_args, ctx) => {
    const got = ctx.input ? gather(ctx.input, { user_context: ASK_CONTEXT }) : undefined;
    if (!got?.done) {
      return {
        messages: [{ role: "user", content: { type: "text", text: "The user must give the prompt's context first." } }],
        ...(got ? { inputRequired: { requests: got.open } } : {}),
      };
    }
    return {
      messages: [
        { role: "user", content: { type: "text", text: `Use this context: ${describe(got.answers.user_context)}` } },
      ],
    };
  },
});

/** The conformance fixture prompts. */
export const CONFORMANCE_PROMPTS: readonly Prompt[] = Object.freeze([
  simple,
  withArguments,
  withEmbeddedResource,
  withImage,
  inputRequired,
]);
