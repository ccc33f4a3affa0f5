import { FEATURES, isFeature, type Feature } from "../../src/tenancy/tenant.ts";
import { usageError } from "./admin-error.ts";

/** Per-tenant feature overrides to apply on top of the plan: names to add and names to remove. */
export interface FeatureChanges {
  add: Feature[];
  remove: Feature[];
}

/**
 * Parses `--features +bulk_export,-advanced_analytics` (a bare name adds). Unknown names are refused here: the Worker
 * would silently ignore them, and an operator's typo must not look like it worked.
 */
export function parseFeatureChanges(spec: string): FeatureChanges {
  const add = new Set<Feature>();
  const remove = new Set<Feature>();
  for (const raw of spec.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const sign = item[0] === "-" ? "-" : "+";
    const name = item.replace(/^[+-]/, "");
    if (!isFeature(name)) throw usageError(`unknown feature "${name}" (known: ${FEATURES.join(", ")})`);
    (sign === "+" ? add : remove).add(name);
  }
  const both = [...add].filter((f) => remove.has(f));
  if (both.length) throw usageError(`feature ${both.join(", ")} is both added and removed`);
  if (!add.size && !remove.size) throw usageError("--features needs at least one name, e.g. +bulk_export,-advanced_analytics");
  return { add: [...add], remove: [...remove] };
}
