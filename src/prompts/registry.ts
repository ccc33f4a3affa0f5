import type { Feature } from "../tenancy/tenant.ts";
import { publicFailure } from "../tools/failure.ts";
import type { ToolContext } from "../tools/types.ts";
import { summarizeWorkspace } from "./summarize-workspace.ts";
import type { GetPromptOutcome, Prompt, PromptListing } from "./types.ts";

/** Every prompt the server knows. */
export const ALL_PROMPTS: readonly Prompt[] = Object.freeze([summarizeWorkspace]);

const memo = new Map<string, { list: PromptListing[]; byName: ReadonlyMap<string, Prompt> }>();

function promptSet(features: ReadonlySet<Feature>): { list: PromptListing[]; byName: ReadonlyMap<string, Prompt> } {
  const key = [...features].sort().join(",");
  let set = memo.get(key);
  if (!set) {
    const prompts = ALL_PROMPTS.filter((p) => features.has(p.feature));
    set = Object.freeze({
      list: Object.freeze(prompts.map((p) => p.listing)) as PromptListing[],
      byName: new Map(prompts.map((p) => [p.name, p])),
    });
    memo.set(key, set);
  }
  return set;
}

/** The `prompts/list` entries a feature set allows (memoised, frozen). */
export function promptsFor(features: ReadonlySet<Feature>): PromptListing[] {
  return promptSet(features).list;
}

/**
 * Runs `prompts/get` for the tenant. A prompt the tenant's features do not allow is `unknown_prompt`, exactly like a
 * name that exists nowhere.
 */
export async function getPrompt(name: string, args: unknown, ctx: ToolContext): Promise<GetPromptOutcome> {
  const prompt = promptSet(ctx.tenant.features).byName.get(name);
  if (!prompt) return { ok: false, error: "unknown_prompt", message: `Unknown prompt: ${name.slice(0, 100)}` };
  const parsed = prompt.parse(args);
  if (!parsed.success) return { ok: false, error: "invalid_arguments", message: parsed.error };
  try {
    const result = await prompt.handler(parsed.data, ctx);
    return "notFound" in result ? { ok: false, error: "not_found", message: result.notFound } : { ok: true, result };
  } catch (err) {
    return { ok: false, error: "failed", message: publicFailure(err, { log: ctx.log, requestId: ctx.requestId, operation: `prompt ${name}` }) };
  }
}
