import { promptsComplete, promptsFor } from "../prompts/registry.ts";
import { hasResources, resourceTemplatesFor } from "../resources/registry.ts";
import { perFeatureSet } from "../tenancy/per-feature-set.ts";
import type { Feature } from "../tenancy/tenant.ts";
import { toolsFor, type ToolSet } from "../tools/registry.ts";
import type { Lane } from "../tools/types.ts";

/** Everything a feature set offers in one lane, and the server capabilities that announce it. */
export interface Offering {
  tools: ToolSet;
  resources: boolean;
  templates: ReturnType<typeof resourceTemplatesFor>;
  prompts: ReturnType<typeof promptsFor>;
  completions: boolean;
  /** MCP server capabilities, the same shape for both SDK generations. */
  capabilities: Readonly<Record<string, unknown>>;
}

/**
 * What a tenant with `features` sees in `lane`: computed once per feature set and lane, then shared by every
 * request, so a per-request server build only wires handlers. Both lanes advertise list-changed notifications and
 * resource subscriptions: they travel through the tenant's event stream in Redis to the open notification streams
 * (session lane: `GET /mcp`; 2026-07-28: `subscriptions/listen`; see src/streams/).
 */
export const offeringFor = perFeatureSet((features: ReadonlySet<Feature>, lane: Lane): Offering => {
  const resources = hasResources(features);
  const prompts = promptsFor(features, lane);
  const completions = promptsComplete(features, lane);
  return Object.freeze({
    tools: toolsFor(features, lane),
    resources,
    templates: resourceTemplatesFor(features),
    prompts,
    completions,
    capabilities: Object.freeze({
      tools: { listChanged: true },
      // Log messages travel on the SSE response of the call that logs (session: at the level kept in the session;
      // 2026-07-28: at the level the request's `_meta` names).
      logging: {},
      ...(resources ? { resources: { listChanged: true, subscribe: true } } : {}),
      ...(prompts.length ? { prompts: { listChanged: true } } : {}),
      ...(completions ? { completions: {} } : {}),
    }),
  });
});
