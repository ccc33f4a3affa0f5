import { perFeatureSet } from "../tenancy/per-feature-set.ts";
import type { Feature } from "../tenancy/tenant.ts";
import { isUnstorableInput, publicFailure } from "../tools/failure.ts";
import { findUnstorableText, unstorableTextIssue } from "../tools/storable-text.ts";
import type { Lane, ToolContext } from "../tools/types.ts";
import { summarizeWorkspace } from "./summarize-workspace.ts";
import type { GetPromptOutcome, Prompt, PromptListing } from "./types.ts";

/** Every prompt the server knows: the product's, then any a build added with {@link registerPrompts}. */
const ALL_PROMPTS: Prompt[] = [summarizeWorkspace];

let served = false;

/**
 * Adds prompts. Only a build's entry module calls it (the conformance build's fixtures), at module scope, before the
 * first request, for the reason given at `registerTools`.
 *
 * @throws {Error} after the first prompt set was computed, or for a name already taken.
 */
export function registerPrompts(extra: readonly Prompt[]): void {
  if (served) throw new Error("registerPrompts: prompts are already being served");
  for (const prompt of extra) {
    if (ALL_PROMPTS.some((p) => p.name === prompt.name)) throw new Error(`duplicate prompt name ${prompt.name}`);
    ALL_PROMPTS.push(prompt);
  }
}

interface PromptSet {
  list: PromptListing[];
  byName: ReadonlyMap<string, Prompt>;
  /** Whether any of these prompts completes arguments (the `completions` capability). */
  completes: boolean;
}

const promptSet = perFeatureSet((features, lane: Lane): PromptSet => {
  served = true;
  const prompts = ALL_PROMPTS.filter((p) => features.has(p.feature) && p.lanes.includes(lane));
  return Object.freeze({
    list: Object.freeze(prompts.map((p) => p.listing)) as PromptListing[],
    byName: new Map(prompts.map((p) => [p.name, p])),
    completes: prompts.some((p) => p.complete !== undefined),
  });
});

/** The `prompts/list` entries a feature set allows in a lane (memoised, frozen). */
export function promptsFor(features: ReadonlySet<Feature>, lane: Lane): PromptListing[] {
  return promptSet(features, lane).list;
}

/**
 * Runs `prompts/get` for the tenant in a lane. A prompt the tenant's features (or the lane) do not allow is
 * `unknown_prompt`, exactly like a name that exists nowhere.
 */
export async function getPrompt(name: string, args: unknown, ctx: ToolContext, lane: Lane): Promise<GetPromptOutcome> {
  const prompt = promptSet(ctx.tenant.features, lane).byName.get(name);
  if (!prompt) return { ok: false, error: "unknown_prompt", message: `Unknown prompt: ${name.slice(0, 100)}` };
  const parsed = prompt.parse(args);
  if (!parsed.success) return { ok: false, error: "invalid_arguments", message: parsed.error };
  try {
    const result = await prompt.handler(parsed.data, ctx);
    return "notFound" in result ? { ok: false, error: "not_found", message: result.notFound } : { ok: true, result };
  } catch (err) {
    const message = publicFailure(err, { log: ctx.log, requestId: ctx.requestId, operation: `prompt ${name}` });
    return { ok: false, error: isUnstorableInput(err) ? "invalid_arguments" : "failed", message };
  }
}

/** Whether a feature set has prompts that complete arguments in a lane, i.e. whether to declare `completions`. */
export function promptsComplete(features: ReadonlySet<Feature>, lane: Lane): boolean {
  return promptSet(features, lane).completes;
}

/** The most values one `completion/complete` result may carry (MCP 2025-11-25 "Completion"). */
const MAX_COMPLETIONS = 100;

/** Outcome of `completion/complete` for a prompt argument. */
export type CompletePromptOutcome =
  | { ok: true; values: string[]; total: number; hasMore: boolean }
  | Extract<GetPromptOutcome, { ok: false }>;

/**
 * Suggestions for an argument of a prompt the tenant has. A prompt that completes nothing answers with no values; a
 * prompt the tenant lacks is `unknown_prompt`, exactly as in {@link getPrompt}.
 */
export async function completePromptArgument(
  name: string,
  argument: string,
  value: string,
  ctx: ToolContext,
  lane: Lane,
): Promise<CompletePromptOutcome> {
  const prompt = promptSet(ctx.tenant.features, lane).byName.get(name);
  if (!prompt) return { ok: false, error: "unknown_prompt", message: `Unknown prompt: ${name.slice(0, 100)}` };
  if (findUnstorableText(value) !== undefined)
    return { ok: false, error: "invalid_arguments", message: unstorableTextIssue(argument.slice(0, 100)) };
  try {
    const values = prompt.complete ? await prompt.complete(argument, value, ctx) : [];
    return {
      ok: true,
      values: values.slice(0, MAX_COMPLETIONS),
      total: values.length,
      hasMore: values.length > MAX_COMPLETIONS,
    };
  } catch (err) {
    const message = publicFailure(err, { log: ctx.log, requestId: ctx.requestId, operation: `complete ${name}` });
    return { ok: false, error: isUnstorableInput(err) ? "invalid_arguments" : "failed", message };
  }
}
