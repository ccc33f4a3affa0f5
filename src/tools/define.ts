import * as z from "zod";
import { IdempotencyRefusal } from "../idempotency/refusal.ts";
import { publicFailure } from "./failure.ts";
import { errorResult } from "./result.ts";
import { findUnstorableText, unstorableTextIssue } from "./storable-text.ts";
import type { Lane, Tool, ToolAnnotations, ToolListing, ToolSpec } from "./types.ts";

/** The default `lanes` of a tool or prompt. */
export const BOTH_LANES: readonly Lane[] = Object.freeze(["session", "stateless"]);

/**
 * Turns a tool spec into a servable {@link Tool}. Its JSON Schemas and frozen `tools/list` entries are computed on
 * the first {@link Tool.listing} call (when `toolsFor` in registry.ts first builds the tools of a feature set that has
 * the tool) and cached, so evaluating the tool modules does no schema work, and a listing costs none per request.
 *
 * `parse` refuses text Postgres cannot store anywhere in the arguments (see `storable-text.ts`) before the schema runs.
 * `handler` expects arguments that went through `parse`. It never throws for infrastructure faults: they are logged
 * with the request id and turned into an `isError` result with a short, safe message. Only an `IdempotencyRefusal`
 * passes through, for the caller that set the key.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject | undefined = undefined>(
  spec: ToolSpec<I, O>,
): Tool {
  const annotations: ToolAnnotations = Object.freeze({ ...spec.annotations });
  // Built on first use. The listings are frozen but their JSON Schemas are not: @cfworker/json-schema (the validator
  // the SDK uses in Workers) annotates schema objects in place when it compiles them.
  let plain: ToolListing | undefined;
  let typed: ToolListing | undefined;
  const listing = (withOutputSchema: boolean): ToolListing => {
    plain ??= Object.freeze({
      name: spec.name,
      title: spec.title,
      description: spec.description,
      inputSchema: toJsonSchema(spec.input),
      annotations,
    });
    if (!withOutputSchema || !spec.output) return plain;
    if (typed === undefined) {
      // The same input schema object as `plain`; the output schema goes before the annotations, as MCP orders them.
      const { annotations: _after, ...head } = plain;
      typed = Object.freeze({ ...head, outputSchema: toJsonSchema(spec.output), annotations });
    }
    return typed;
  };
  return Object.freeze({
    name: spec.name,
    feature: spec.feature,
    lanes: spec.lanes ? Object.freeze([...spec.lanes]) : BOTH_LANES,
    asksClient: spec.asksClient ?? false,
    annotations,
    listing,
    parse(args: unknown) {
      // Checked here, for every tool and every string in its arguments, so no tool can forget it: such text would
      // fail in Postgres as a server error (or be stored altered).
      const unstorable = findUnstorableText(args);
      if (unstorable !== undefined) return { success: false, error: unstorableTextIssue(unstorable) };
      // A call without `arguments` means "no arguments" (MCP: `arguments` is optional).
      const result = spec.input.safeParse(args ?? {});
      return result.success
        ? { success: true, data: result.data }
        : { success: false, error: formatIssues(result.error) };
    },
    async handler(args, ctx) {
      try {
        return await spec.handler(args as z.output<I>, ctx);
      } catch (err) {
        // Not a fault: the call must not run under its idempotency key, which the caller answers (src/idempotency/).
        if (err instanceof IdempotencyRefusal) throw err;
        return errorResult(
          publicFailure(err, { log: ctx.log, requestId: ctx.requestId, operation: `tool ${spec.name}` }),
        );
      }
    },
    taskSupport: spec.taskSupport ?? "forbidden",
    taskWhen: async (args, ctx) => (spec.taskWhen ? spec.taskWhen(args as z.output<I>, ctx) : true),
    changes: (args, result) => (spec.changes ? spec.changes(args as z.output<I>, result) : []),
  } satisfies Tool);
}

/**
 * JSON Schema (2020-12, MCP's default dialect) of a zod schema as a client sees it (`io: "input"`: fields with
 * defaults are optional). The `$schema` key is dropped: every schema we publish is 2020-12, and some clients choke
 * on the key. Lean on purpose (see {@link leanNode}): clients hand these schemas to the model with every
 * conversation, so each byte costs tokens; validation is zod's, on the server, and stays exactly as strict.
 */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    override: ({ jsonSchema }) => leanNode(jsonSchema as Record<string, unknown>),
  }) as Record<string, unknown>;
  return rest;
}

/**
 * Drops what zod adds that says nothing a client needs: the regex behind a `format` (a 272-character one for every
 * `date-time`; the format names the same rule), and the ±2^53-1 bounds of every integer (JSON's own safe range).
 */
function leanNode(node: Record<string, unknown>): void {
  if (typeof node.format === "string" && typeof node.pattern === "string") delete node.pattern;
  if (node.type === "integer") {
    if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
    if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  }
}

const MAX_ISSUES = 3;

/** A short, readable summary of validation issues, e.g. `workspace_id: Invalid GUID; limit: Too big: ...`. */
export function formatIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length - MAX_ISSUES;
  return `Invalid arguments: ${parts.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}`;
}
