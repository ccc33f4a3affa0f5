import type { z } from "zod";
import { BOTH_LANES, formatIssues, toJsonSchema } from "../tools/define.ts";
import { findUnstorableText, unstorableTextIssue } from "../tools/storable-text.ts";
import type { Prompt, PromptArgument, PromptSpec } from "./types.ts";

/** Compiles a prompt spec once, at module scope: its argument list comes from the zod schema's JSON Schema. */
export function definePrompt<A extends z.ZodObject>(spec: PromptSpec<A>): Prompt {
  const schema = toJsonSchema(spec.args);
  const properties = (schema.properties ?? {}) as Record<string, { description?: string }>;
  const required = new Set((schema.required ?? []) as string[]);
  const args: PromptArgument[] = Object.entries(properties).map(([name, p]) => ({
    name,
    ...(p.description ? { description: p.description } : {}),
    required: required.has(name),
  }));
  return Object.freeze({
    name: spec.name,
    feature: spec.feature,
    lanes: spec.lanes ? Object.freeze([...spec.lanes]) : BOTH_LANES,
    listing: Object.freeze({ name: spec.name, title: spec.title, description: spec.description, arguments: args }),
    parse(raw: unknown) {
      // As for tools: text Postgres cannot store is the client's mistake, caught before any handler runs.
      const unstorable = findUnstorableText(raw);
      if (unstorable !== undefined) return { success: false, error: unstorableTextIssue(unstorable) };
      const result = spec.args.safeParse(raw ?? {});
      return result.success
        ? { success: true, data: result.data }
        : { success: false, error: formatIssues(result.error) };
    },
    handler: (parsed, ctx) => spec.handler(parsed as z.output<A>, ctx),
    ...(spec.complete ? { complete: spec.complete } : {}),
  } satisfies Prompt);
}
