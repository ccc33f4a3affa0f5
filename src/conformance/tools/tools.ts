/**
 * Tools the MCP conformance suite (`@modelcontextprotocol/conformance`) calls by name, with the behaviour its server
 * scenarios expect (the same as `@modelcontextprotocol/server-everything`). They exist only for tenants with the
 * `conformance_fixtures` feature, which no plan includes: `npm run conformance` creates such a tenant.
 *
 * The fixtures that ask the client mid-call are in session-asking.ts (session lane: a request on the call's SSE
 * stream) and input-required.ts (2026-07-28: InputRequiredResult).
 */
import * as z from "zod";
import { defineTool } from "../../tools/define.ts";
import { errorResult } from "../../tools/result.ts";
import type { Tool, ToolListing } from "../../tools/types.ts";
import { INPUT_REQUIRED_TOOLS } from "./input-required.ts";
import { SESSION_ASKING_TOOLS } from "./session-asking.ts";
import { TASK_TOOLS } from "./tasks.ts";
import { RED_PIXEL_PNG, SILENT_WAV } from "./media.ts";
import { READ_ONLY } from "../../tools/annotations.ts";

const NO_ARGS = z.object({});
const FEATURE = "conformance_fixtures";

const simpleText = defineTool({
  name: "test_simple_text",
  title: "Simple text",
  description: "Returns a fixed text block (conformance: tools-call-simple-text).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  handler: async () => ({ content: [{ type: "text", text: "This is a simple text response for testing." }] }),
});

const imageContent = defineTool({
  name: "test_image_content",
  title: "Image content",
  description: "Returns a 1x1 PNG (conformance: tools-call-image).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  handler: async () => ({ content: [{ type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" }] }),
});

const audioContent = defineTool({
  name: "test_audio_content",
  title: "Audio content",
  description: "Returns a tiny WAV file (conformance: tools-call-audio).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  handler: async () => ({ content: [{ type: "audio", data: SILENT_WAV, mimeType: "audio/wav" }] }),
});

const embeddedResource = defineTool({
  name: "test_embedded_resource",
  title: "Embedded resource",
  description: "Returns an embedded text resource (conformance: tools-call-embedded-resource).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  handler: async () => ({
    content: [
      {
        type: "resource",
        resource: {
          uri: "test://embedded-resource",
          mimeType: "text/plain",
          text: "This is an embedded resource content.",
        },
      },
    ],
  }),
});

const multipleContentTypes = defineTool({
  name: "test_multiple_content_types",
  title: "Mixed content",
  description: "Returns text, an image and an embedded resource (conformance: tools-call-mixed-content).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  handler: async () => ({
    content: [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: RED_PIXEL_PNG, mimeType: "image/png" },
      {
        type: "resource",
        resource: {
          uri: "test://mixed-content-resource",
          mimeType: "application/json",
          text: '{"test":"data","value":123}',
        },
      },
    ],
  }),
});

const withLogging = defineTool({
  name: "test_tool_with_logging",
  title: "Logging",
  description: "Sends three info log messages while it runs (conformance: tools-call-with-logging).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    for (const message of ["Tool execution started", "Tool processing data", "Tool execution completed"]) {
      await ctx.clientLog?.("info", message);
    }
    return { content: [{ type: "text", text: "Tool with logging executed successfully." }] };
  },
});

// The 2026-07-28 stateless scenario's probe: a server MUST NOT log to a client whose request set no log level.
const loggingProbe = defineTool({
  name: "test_logging_tool",
  title: "Logging probe",
  description:
    "Logs one info message if, and only if, the client asked for log messages (conformance: server-stateless).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    await ctx.clientLog?.("info", "Logging probe ran");
    return { content: [{ type: "text", text: "Logging probe executed." }] };
  },
});

const withProgress = defineTool({
  name: "test_tool_with_progress",
  title: "Progress",
  description: "Reports progress 0, 50 and 100 of 100 (conformance: tools-call-with-progress).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  async handler(_args, ctx) {
    for (const done of [0, 50, 100]) await ctx.progress(done, 100);
    return { content: [{ type: "text", text: "Tool with progress executed successfully." }] };
  },
});

// The 2026-07-28 stateless scenario's list-change hooks: each call announces a changed list to the tenant's open
// subscriptions/listen streams.
const triggerToolChange = defineTool({
  name: "test_trigger_tool_change",
  title: "Trigger tools/list_changed",
  description: "Announces a changed tool list to open notification streams (conformance: server-stateless).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  changes: () => [{ kind: "tools_list_changed" }],
  async handler() {
    return { content: [{ type: "text", text: "Tool list change announced." }] };
  },
});

const triggerPromptChange = defineTool({
  name: "test_trigger_prompt_change",
  title: "Trigger prompts/list_changed",
  description: "Announces a changed prompt list to open notification streams (conformance: server-stateless).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  changes: () => [{ kind: "prompts_list_changed" }],
  async handler() {
    return { content: [{ type: "text", text: "Prompt list change announced." }] };
  },
});

const errorHandling = defineTool({
  name: "test_error_handling",
  title: "Error result",
  description: "Always fails with an isError result (conformance: tools-call-error).",
  feature: FEATURE,
  input: NO_ARGS,
  annotations: READ_ONLY,
  // A domain failure the model sees, not a thrown fault: a throw would be logged as an internal error.
  handler: async () => errorResult("This tool intentionally returns an error for testing"),
});

/** The conformance fixture tools, in `tools/list` order. */
/**
 * The JSON Schema 2020-12 input schema of the `json-schema-2020-12` scenario (SEP-1613, SEP-2106), published exactly
 * as written: `$schema`, `$defs` with an `$anchor`, a `$ref`, `allOf`/`anyOf`, `if`/`then`/`else` and
 * `additionalProperties: false`. zod cannot express all of it, so the listing is set by hand; the arguments are
 * only checked to be an object (the scenario lists the tool, it does not call it).
 */
// Not frozen: the Workers JSON Schema validator annotates schema objects in place when it compiles them.
const JSON_SCHEMA_2020_12 = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: {
      $anchor: "addressDef",
      type: "object",
      properties: { street: { type: "string" }, city: { type: "string" } },
    },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
    contactMethod: { type: "string", enum: ["phone", "email"] },
    phone: { type: "string" },
    email: { type: "string" },
  },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword; the object is never awaited.
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
};

const jsonSchemaTool: Tool = (() => {
  const tool = defineTool({
    name: "json_schema_2020_12_tool",
    title: "JSON Schema 2020-12",
    description:
      "Takes a contact whose input schema uses JSON Schema 2020-12 keywords (conformance: json-schema-2020-12).",
    feature: FEATURE,
    input: z.looseObject({}),
    annotations: READ_ONLY,
    handler: async (args) => ({ content: [{ type: "text", text: `Received ${Object.keys(args).length} field(s).` }] }),
  });
  // Built on first use like every listing; the tool has no output schema, so both variants are the same.
  let listing: ToolListing | undefined;
  return Object.freeze({
    ...tool,
    listing: () => (listing ??= Object.freeze({ ...tool.listing(false), inputSchema: JSON_SCHEMA_2020_12 })),
  });
})();

export const CONFORMANCE_TOOLS: readonly Tool[] = Object.freeze([
  jsonSchemaTool,
  simpleText,
  imageContent,
  audioContent,
  embeddedResource,
  multipleContentTypes,
  withLogging,
  loggingProbe,
  withProgress,
  errorHandling,
  triggerToolChange,
  triggerPromptChange,
  ...INPUT_REQUIRED_TOOLS,
  ...SESSION_ASKING_TOOLS,
  ...TASK_TOOLS,
]);
