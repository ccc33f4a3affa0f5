import { perFeatureSet } from "../tenancy/per-feature-set.ts";
import type { Feature } from "../tenancy/tenant.ts";
import { publicFailure } from "../tools/failure.ts";
import type { ToolContext } from "../tools/types.ts";
import { documentResource } from "./documents.ts";
import { usageResource } from "./usage.ts";
import type { ReadResourceOutcome, ResourceListing, ResourceTemplate, ResourceTemplateListing } from "./types.ts";

/** Every resource template the server knows: the product's, then any a build added with {@link registerResourceTemplates}. */
const ALL_RESOURCE_TEMPLATES: ResourceTemplate[] = [usageResource, documentResource];

let served = false;

/**
 * Adds resource templates. Only a build's entry module calls it (the conformance build's fixtures), at module scope,
 * before the first request, for the reason given at `registerTools`.
 *
 * @throws {Error} after the first template set was computed.
 */
export function registerResourceTemplates(extra: readonly ResourceTemplate[]): void {
  if (served) throw new Error("registerResourceTemplates: resources are already being served");
  ALL_RESOURCE_TEMPLATES.push(...extra);
}

const templatesFor = perFeatureSet((features): readonly ResourceTemplate[] => {
  served = true;
  return Object.freeze(ALL_RESOURCE_TEMPLATES.filter((t) => features.has(t.feature)));
});

/** Whether a feature set allows any resource at all (the `resources` capability). */
export function hasResources(features: ReadonlySet<Feature>): boolean {
  return templatesFor(features).length > 0;
}

/**
 * The `resources/templates/list` entries a feature set allows. A "template" without variables is one fixed resource:
 * `resources/list` offers it, `resources/templates/list` does not.
 */
export function resourceTemplatesFor(features: ReadonlySet<Feature>): ResourceTemplateListing[] {
  return templatesFor(features)
    .filter((t) => t.listing.uriTemplate.includes("{"))
    .map((t) => t.listing);
}

/** Outcome of `resources/list`: `message` is safe to send (JSON-RPC -32603). */
export type ListResourcesOutcome = { ok: true; resources: ResourceListing[] } | { ok: false; message: string };

/** The concrete resources `resources/list` offers the tenant (e.g. its most recently updated documents). */
export async function listResources(ctx: ToolContext): Promise<ListResourcesOutcome> {
  try {
    const lists = await Promise.all(templatesFor(ctx.tenant.features).map((t) => t.list?.(ctx) ?? []));
    return { ok: true, resources: lists.flat() };
  } catch (err) {
    return {
      ok: false,
      message: publicFailure(err, { log: ctx.log, requestId: ctx.requestId, operation: "resources/list" }),
    };
  }
}

/**
 * Reads a resource URI for the tenant. A URI that no allowed template matches, whose variables do not validate, or
 * that names another tenant's object is uniformly `not_found`.
 */
export async function readResource(uri: string, ctx: ToolContext): Promise<ReadResourceOutcome> {
  for (const template of templatesFor(ctx.tenant.features)) {
    const params = template.match(uri);
    if (params === null) continue;
    try {
      const result = await template.read(params, uri, ctx);
      return result ? { ok: true, result } : notFound();
    } catch (err) {
      return {
        ok: false,
        error: "failed",
        message: publicFailure(err, { log: ctx.log, requestId: ctx.requestId, operation: "resources/read" }),
      };
    }
  }
  return notFound();
}

function notFound(): ReadResourceOutcome {
  return { ok: false, error: "not_found", message: "Resource not found" };
}
