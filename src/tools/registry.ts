import { perFeatureSet } from "../tenancy/per-feature-set.ts";
import type { Feature } from "../tenancy/tenant.ts";
import { workspaceStats } from "./analytics/workspace-stats.ts";
import { CONFORMANCE_TOOLS } from "./conformance/tools.ts";
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

/** Every tool the server knows, in `tools/list` order. */
export const ALL_TOOLS: readonly Tool[] = Object.freeze([
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
  // Only tenants with the `conformance_fixtures` feature (never a plan's) see these.
  ...CONFORMANCE_TOOLS,
]);

const BY_NAME: ReadonlyMap<string, Tool> = new Map(ALL_TOOLS.map((t) => [t.name, t]));
if (BY_NAME.size !== ALL_TOOLS.length) throw new Error("duplicate tool name");

/** The tools one tenant has in one lane: the `tools/list` entries and the callable tools by name. */
export interface ToolSet {
  /** Frozen: shared by every request with the same features. */
  list: ToolListing[];
  byName: ReadonlyMap<string, Tool>;
}

/**
 * The tools a feature set allows in a lane. Memoised, so `tools/list` costs a map lookup: the same frozen objects
 * are returned for every tenant with the same features.
 */
export const toolsFor = perFeatureSet((features: ReadonlySet<Feature>, lane: Lane): ToolSet => {
  const tools = ALL_TOOLS.filter((t) => features.has(t.feature) && t.lanes.includes(lane));
  return Object.freeze({
    list: Object.freeze(tools.map((t) => t.listing)) as ToolListing[],
    byName: new Map(tools.map((t) => [t.name, t])),
  });
});

/**
 * Any tool by name, regardless of features. For diagnostics and tests; serving code must use
 * {@link toolsFor}`(...).byName`, so a tool a tenant lacks stays uncallable.
 */
export function findTool(name: string): Tool | undefined {
  return BY_NAME.get(name);
}
