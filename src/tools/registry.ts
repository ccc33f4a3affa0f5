import { perFeatureSet } from "../tenancy/per-feature-set.ts";
import type { Feature } from "../tenancy/tenant.ts";
import { workspaceStats } from "./analytics/workspace-stats.ts";
import { createDocument } from "./core/create-document.ts";
import { createWorkspace } from "./core/create-workspace.ts";
import { deleteDocument } from "./core/delete-document.ts";
import { getDocument } from "./core/get-document.ts";
import { listDocuments } from "./core/list-documents.ts";
import { listWorkspaces } from "./core/list-workspaces.ts";
import { searchDocuments } from "./core/search-documents.ts";
import { updateDocument } from "./core/update-document.ts";
import { updateWorkspace } from "./core/update-workspace.ts";
import { exportWorkspace } from "./export/export-workspace.ts";
import type { Lane, Tool, ToolListing } from "./types.ts";

const tools: Tool[] = [
  listWorkspaces,
  createWorkspace,
  updateWorkspace,
  listDocuments,
  getDocument,
  searchDocuments,
  createDocument,
  updateDocument,
  deleteDocument,
  workspaceStats,
  exportWorkspace,
];
const BY_NAME = new Map(tools.map((t) => [t.name, t]));

/**
 * Every tool the server knows, in `tools/list` order: the product's, then any a build added with
 * {@link registerTools} (the conformance build's fixtures, src/conformance/).
 */
export const ALL_TOOLS: readonly Tool[] = tools;

let served = false;

/**
 * Adds tools to the catalogue. Only a build's entry module calls it, at module scope, before the first request: the
 * tool sets are memoised per feature set, so a tool added after one was computed would be missing from it.
 *
 * @throws {Error} after the first tool set was computed, or for a name already taken.
 */
export function registerTools(extra: readonly Tool[]): void {
  if (served) throw new Error("registerTools: tools are already being served");
  for (const tool of extra) {
    if (BY_NAME.has(tool.name)) throw new Error(`duplicate tool name ${tool.name}`);
    BY_NAME.set(tool.name, tool);
    tools.push(tool);
  }
}

/** The tools one tenant has in one lane: the `tools/list` entries and the callable tools by name. */
export interface ToolSet {
  /** Frozen: shared by every request with the same features. */
  list: ToolListing[];
  byName: ReadonlyMap<string, Tool>;
}

/**
 * The tools a feature set allows in a lane. Memoised, so `tools/list` costs a map lookup: the same frozen objects
 * are returned for every tenant with the same features. The entries carry `outputSchema` only with the
 * `output_schemas` feature: most clients pass a tool's name, description and input schema to the model and nothing
 * else, so output schemas would only add bytes to every conversation; results carry `structuredContent` either way.
 */
export const toolsFor = perFeatureSet((features: ReadonlySet<Feature>, lane: Lane): ToolSet => {
  served = true;
  const allowed = ALL_TOOLS.filter((t) => features.has(t.feature) && t.lanes.includes(lane));
  const withOutputSchema = features.has("output_schemas");
  return Object.freeze({
    list: Object.freeze(allowed.map((t) => laneListing(t, lane, withOutputSchema))) as ToolListing[],
    byName: new Map(allowed.map((t) => [t.name, t])),
  });
});

/**
 * A tool's `tools/list` entry in `lane`: the 2026-07-28 lane, which runs tasks (src/tasks/), announces a tool's task
 * support; the session lane runs every call in its request, so its entries say nothing of tasks.
 */
function laneListing(tool: Tool, lane: Lane, withOutputSchema: boolean): ToolListing {
  const listing = tool.listing(withOutputSchema);
  if (lane !== "stateless" || tool.taskSupport === "forbidden") return listing;
  return Object.freeze({ ...listing, execution: Object.freeze({ taskSupport: tool.taskSupport }) });
}

/**
 * Any tool by name, regardless of features. For diagnostics and tests; serving code must use
 * {@link toolsFor}`(...).byName`, so a tool a tenant lacks stays uncallable.
 */
export function findTool(name: string): Tool | undefined {
  return BY_NAME.get(name);
}
