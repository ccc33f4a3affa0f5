import type { z } from "zod";
import type { Feature } from "../tenancy/tenant.ts";
import type { ContentBlock, InputRequired, Lane, ToolContext } from "../tools/types.ts";

/** One declared argument of a prompt (MCP `PromptArgument`). */
export interface PromptArgument {
  name: string;
  description?: string;
  required: boolean;
}

/** The `prompts/list` entry of a prompt. */
export interface PromptListing {
  name: string;
  title: string;
  description: string;
  arguments: PromptArgument[];
}

/** One message of a prompt: text, an image, audio, or an embedded resource (MCP `PromptMessage`). */
interface PromptMessage {
  role: "user" | "assistant";
  content: ContentBlock;
}

/** An MCP `GetPromptResult`, SDK-neutral. */
interface GetPromptResult {
  description?: string;
  messages: PromptMessage[];
  /** The prompt needs the user's input first: as {@link ToolResult.inputRequired}, 2026-07-28 lane only. */
  inputRequired?: InputRequired;
}

/**
 * Outcome of `prompts/get`. `unknown_prompt`, `invalid_arguments` and `not_found` map to JSON-RPC -32602 (MCP:
 * invalid prompt name or missing arguments), `failed` to -32603; `message` is safe to send.
 */
export type GetPromptOutcome =
  | { ok: true; result: GetPromptResult }
  | { ok: false; error: "unknown_prompt" | "invalid_arguments" | "not_found" | "failed"; message: string };

/** A prompt as written in `src/prompts/<name>.ts`. Arguments are strings on the wire, so `args` has string fields. */
export interface PromptSpec<A extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  feature: Feature;
  args: A;
  /** Protocol lanes that offer this prompt. Default both; one that asks for input exists only in "stateless". */
  lanes?: readonly Lane[];
  /** The messages, or `{ notFound }` with a safe message when an argument names nothing (for this tenant). */
  handler(args: z.output<A>, ctx: ToolContext): Promise<GetPromptResult | { notFound: string }>;
  /** Suggestions for a partially typed argument (`completion/complete`); without it, the prompt offers none. */
  complete?: PromptCompleter;
}

/** Suggested values for `argument` given what the user typed so far, best first. */
type PromptCompleter = (argument: string, value: string, ctx: ToolContext) => Promise<string[]>;

/** A prompt ready to serve. */
export interface Prompt {
  name: string;
  feature: Feature;
  lanes: readonly Lane[];
  listing: PromptListing;
  parse(args: unknown): { success: true; data: unknown } | { success: false; error: string };
  handler(args: unknown, ctx: ToolContext): Promise<GetPromptResult | { notFound: string }>;
  complete?: PromptCompleter;
}
