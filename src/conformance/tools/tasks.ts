/**
 * Conformance fixtures for the tasks extension (SEP-2663), with the names and behaviour the suite's `tasks-*`
 * scenarios expect: a sync-only tool, tools that run as tasks (optional or required), and tasks that ask the client
 * for input (`tasks/update`), or that gather it in the request first and then become a task (MRTR composition).
 */
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import * as z from "zod";
import { defineTool } from "../../tools/define.ts";
import { errorResult } from "../../tools/result.ts";
import type { ElicitationRequest, Tool, ToolResult } from "../../tools/types.ts";
import { READ_ONLY } from "../../tools/annotations.ts";
import { describe, gather } from "./answers.ts";

const FEATURE = "conformance_fixtures";
const STATELESS = ["stateless"] as const;
const NEEDS_INPUT = "This tool asks the client for input, which needs MCP 2026-07-28.";

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

function text(t: string): ToolResult {
  return { content: [{ type: "text", text: t }] };
}

/** Waits `ms`, or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const greet = defineTool({
  name: "greet",
  title: "Greet",
  description: "Greets by name, always in the request (conformance: tasks-*, the sync-only tool).",
  feature: FEATURE,
  input: z.object({ name: z.string().max(200) }),
  annotations: READ_ONLY,
  handler: async ({ name }) => text(`Hello, ${name}!`),
});

const slowCompute = defineTool({
  name: "slow_compute",
  title: "Slow compute",
  description: "Runs as a task: waits `seconds`, then answers (conformance: tasks-lifecycle and others).",
  feature: FEATURE,
  lanes: STATELESS,
  taskSupport: "optional",
  input: z.object({ seconds: z.number().min(0).max(600).default(1), label: z.string().max(200).optional() }),
  annotations: READ_ONLY,
  async handler({ seconds, label }, ctx) {
    await pause(seconds * 1000, ctx.signal);
    return text(`Computed ${label ?? "result"} after ${seconds}s.`);
  },
});

const failingJob = defineTool({
  name: "failing_job",
  title: "Failing job",
  description: "Runs only as a task, and ends with a tool error after a second (conformance: tasks-lifecycle).",
  feature: FEATURE,
  lanes: STATELESS,
  taskSupport: "required",
  input: z.object({}),
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    await pause(1000, ctx.signal);
    return errorResult("The job failed, as it always does.");
  },
});

// Outside defineTool's boundary on purpose: it throws, so its task ends `failed` with a JSON-RPC error.
const protocolErrorJob: Tool = (() => {
  const tool = defineTool({
    name: "protocol_error_job",
    title: "Protocol error job",
    description: "Runs as a task and fails with a protocol error (conformance: tasks-lifecycle).",
    feature: FEATURE,
    lanes: STATELESS,
    taskSupport: "optional",
    input: z.object({}),
    annotations: READ_ONLY,
    handler: async () => text("unreachable"),
  });
  return Object.freeze({
    ...tool,
    handler: async (): Promise<ToolResult> => {
      throw new ProtocolError(ProtocolErrorCode.InternalError, "The job crashed");
    },
  });
})();

const ASK_CONFIRM = elicit("Really delete this file?", "confirm", "boolean");

const confirmDelete = defineTool({
  name: "confirm_delete",
  title: "Confirm delete",
  description: "Runs as a task that asks the user to confirm by elicitation (conformance: tasks-mrtr-input).",
  feature: FEATURE,
  lanes: STATELESS,
  taskSupport: "optional",
  input: z.object({ filename: z.string().max(200) }),
  annotations: READ_ONLY,
  async handler({ filename }, ctx) {
    if (!ctx.input) return errorResult(NEEDS_INPUT);
    const got = gather(ctx.input, { confirm: ASK_CONFIRM });
    if (!got.done) return { ...text("Confirmation required."), inputRequired: { requests: got.open } };
    return text(`${filename}: ${describe(got.answers.confirm)}`);
  },
});

const multiInput = defineTool({
  name: "multi_input",
  title: "Multi input",
  description: "Runs as a task that asks two questions at once (conformance: tasks-mrtr-input, partial answers).",
  feature: FEATURE,
  lanes: STATELESS,
  taskSupport: "optional",
  input: z.object({}),
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    if (!ctx.input) return errorResult(NEEDS_INPUT);
    const wanted = {
      first: elicit("First question", "confirm", "boolean"),
      second: elicit("Second", "confirm", "boolean"),
    };
    const got = gather(ctx.input, wanted);
    if (!got.done) return { ...text("Two answers required."), inputRequired: { requests: got.open } };
    return text(`first: ${describe(got.answers.first)}; second: ${describe(got.answers.second)}`);
  },
});

const ASK_NAME = elicit("What is your name?", "name", "string");

// Gathers the name in the request (multi round-trip), then becomes a task for the work (tasks-mrtr-composition).
const withTask = defineTool({
  name: "test_tool_with_task",
  title: "Tool with task",
  description:
    "Asks the user's name in the request, then runs as a task that greets them (conformance: tasks-mrtr-composition).",
  feature: FEATURE,
  lanes: STATELESS,
  taskSupport: "required",
  input: z.object({}),
  annotations: READ_ONLY,
  taskWhen: async (_args, ctx) => ctx.input !== undefined && gather(ctx.input, { user_name: ASK_NAME }).done,
  async handler(_args, ctx) {
    if (!ctx.input) return errorResult(NEEDS_INPUT);
    const got = gather(ctx.input, { user_name: ASK_NAME });
    if (!got.done) return { ...text("Your name, please."), inputRequired: { requests: got.open } };
    return text(`Hello, ${describe(got.answers.user_name)}!`);
  },
});

/** The tasks fixtures. */
export const TASK_TOOLS: readonly Tool[] = Object.freeze([
  greet,
  slowCompute,
  failingJob,
  protocolErrorJob,
  confirmDelete,
  multiInput,
  withTask,
]);
