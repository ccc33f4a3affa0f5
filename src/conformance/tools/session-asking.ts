/**
 * Conformance fixtures of the session lane (MCP 2025-11-25) that ask the client mid-call, with the names, arguments and
 * questions the suite's `tools-call-sampling`, `tools-call-elicitation`, `elicitation-sep1034-defaults` and
 * `elicitation-sep1330-enums` scenarios expect. Each asks by returning `inputRequired` once; the session lane sends
 * the question on the call's SSE stream and runs the fixture again with the answer (src/mcp/client-requests/). The
 * 2026-07-28 lane has its own fixtures for the same questions (input-required.ts).
 */
import * as z from "zod";
import { READ_ONLY } from "../../tools/annotations.ts";
import { defineTool } from "../../tools/define.ts";
import { errorResult } from "../../tools/result.ts";
import type { InputRequest, Tool, ToolResult } from "../../tools/types.ts";

const FEATURE = "conformance_fixtures";
const SESSION = ["session"] as const;
const KEY = "answer";

/** A fixture that asks `question(args)` and describes the answer with `finish`. */
function askingOnce<I extends z.ZodObject>(
  name: string,
  description: string,
  input: I,
  question: (args: z.output<I>) => InputRequest,
  finish: (answer: Record<string, unknown>) => string,
): Tool {
  return defineTool({
    name,
    title: name,
    description,
    feature: FEATURE,
    lanes: SESSION,
    asksClient: true,
    input,
    annotations: READ_ONLY,
    async handler(args, ctx): Promise<ToolResult> {
      if (!ctx.input) return errorResult("This tool asks the client mid-call, which this lane cannot do.");
      const answer = ctx.input.responses?.[KEY];
      if (typeof answer !== "object" || answer === null) {
        const request = question(args);
        return {
          content: [{ type: "text", text: `Input required: ${request.method}.` }],
          inputRequired: { requests: { [KEY]: request } },
        };
      }
      return { content: [{ type: "text", text: finish(answer as Record<string, unknown>) }] };
    },
  });
}

function form(message: string, properties: Record<string, Record<string, unknown>>, required?: string[]): InputRequest {
  return {
    method: "elicitation/create",
    params: {
      mode: "form",
      message,
      requestedSchema: { type: "object", properties, ...(required ? { required } : {}) },
    },
  };
}

const elicited = (a: Record<string, unknown>): string =>
  `Elicitation completed: action=${String(a.action)}, content=${JSON.stringify(a.content ?? {})}`;

/** The session lane's asking fixtures. */
export const SESSION_ASKING_TOOLS: readonly Tool[] = Object.freeze([
  askingOnce(
    "test_sampling",
    "Asks the client's model to complete a prompt (conformance: tools-call-sampling).",
    z.object({ prompt: z.string().describe("The prompt to send to the client's model") }),
    ({ prompt }) => ({
      method: "sampling/createMessage",
      params: { messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 100 },
    }),
    (a) => {
      const content = a.content as { type?: unknown; text?: unknown } | undefined;
      return `LLM response: ${content?.type === "text" ? String(content.text) : JSON.stringify(content)}`;
    },
  ),
  askingOnce(
    "test_elicitation",
    "Asks the user for a name and an email address (conformance: tools-call-elicitation).",
    z.object({ message: z.string().describe("The message to show the user") }),
    ({ message }) =>
      form(
        message,
        {
          username: { type: "string", description: "User's response" },
          email: { type: "string", description: "User's email address" },
        },
        ["username", "email"],
      ),
    (a) => `User response: action=${String(a.action)}, content=${JSON.stringify(a.content ?? {})}`,
  ),
  askingOnce(
    "test_elicitation_sep1034_defaults",
    "Asks for a form whose fields all have default values (conformance: elicitation-sep1034-defaults).",
    z.object({}),
    () =>
      form("Please review your profile (defaults are filled in)", {
        name: { type: "string", default: "John Doe" },
        age: { type: "integer", default: 30 },
        score: { type: "number", default: 95.5 },
        status: { type: "string", enum: ["active", "inactive", "pending"], default: "active" },
        verified: { type: "boolean", default: true },
      }),
    elicited,
  ),
  askingOnce(
    "test_elicitation_sep1330_enums",
    "Asks for a form with every enum variant of SEP-1330 (conformance: elicitation-sep1330-enums).",
    z.object({}),
    () =>
      form("Please choose your options", {
        untitledSingle: { type: "string", enum: ["option1", "option2", "option3"] },
        titledSingle: {
          type: "string",
          oneOf: [
            { const: "value1", title: "First Option" },
            { const: "value2", title: "Second Option" },
            { const: "value3", title: "Third Option" },
          ],
        },
        legacyEnum: {
          type: "string",
          enum: ["opt1", "opt2", "opt3"],
          enumNames: ["Option One", "Option Two", "Option Three"],
        },
        untitledMulti: { type: "array", items: { type: "string", enum: ["option1", "option2", "option3"] } },
        titledMulti: {
          type: "array",
          items: {
            anyOf: [
              { const: "value1", title: "First Choice" },
              { const: "value2", title: "Second Choice" },
              { const: "value3", title: "Third Choice" },
            ],
          },
        },
      }),
    elicited,
  ),
]);
