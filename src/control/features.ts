import { effectiveFeatures, FEATURES, isFeature, type Feature, type Plan } from "../tenancy/tenant.ts";
import { field, invalid, says } from "./errors.ts";

/**
 * Features that exist for the test suites only: `conformance_fixtures` turns on the fixture tools, resources and
 * prompts the MCP conformance suite calls by name (scripts/conformance.ts gives its own tenant the feature). No
 * customer tenant should have them, so the CLI adds them only with `--allow-test-features`.
 */
const TEST_FEATURES: readonly Feature[] = ["conformance_fixtures"];

/** Per-tenant feature overrides to apply on top of the plan. */
export interface FeatureChanges {
  /** Drop every override first (`=plan`), so the plan's features apply. Default false. */
  reset?: boolean;
  /** Overrides to drop (`~name`): the feature follows the plan again. Default none. */
  clear?: Feature[];
  add: Feature[];
  remove: Feature[];
}

/** Options of {@link parseFeatureChanges}. */
export interface FeatureParseOptions {
  /** Accept `=plan` and `~name`, which only mean something for an existing tenant. Default false. */
  allowClear?: boolean;
  /** Accept adding a {@link TEST_FEATURES} feature. Default false. */
  allowTestFeatures?: boolean;
}

/**
 * Parses `--features +bulk_export,-advanced_analytics,~core,=plan`: `+name` (or a bare name) adds, `-name` removes,
 * `~name` drops that override, `=plan` drops them all (applied first). Unknown names are refused here: the Worker
 * would silently ignore them, and an operator's typo must not look like it worked.
 */
export function parseFeatureChanges(spec: string, o: FeatureParseOptions = {}): FeatureChanges {
  const changes: Required<FeatureChanges> = { reset: false, clear: [], add: [], remove: [] };
  const seen = new Map<Feature, string>();
  for (const raw of spec.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    if (item === "=plan") {
      changes.reset = true;
      continue;
    }
    const sign = "+-~".includes(item[0] as string) ? (item[0] as "+" | "-" | "~") : "+";
    const name = sign === item[0] ? item.slice(1) : item;
    if (!isFeature(name))
      throw invalid("features", `unknown feature "${name}" (known: ${FEATURES.join(", ")}; or =plan)`);
    const earlier = seen.get(name);
    if (earlier !== undefined && earlier !== sign)
      throw invalid("features", `feature ${name} is given twice (${earlier}${name} and ${sign}${name})`);
    seen.set(name, sign);
    if (sign === "+" && TEST_FEATURES.includes(name) && !o.allowTestFeatures) {
      throw invalid(
        "features",
        says`${name} is for the conformance suite only; add ${field("allowTestFeatures")} to give it to a tenant anyway`,
      );
    }
    const list = sign === "+" ? changes.add : sign === "-" ? changes.remove : changes.clear;
    if (!list.includes(name)) list.push(name);
  }
  if ((changes.reset || changes.clear.length) && !o.allowClear) {
    throw invalid(
      "features",
      says`${field("features")} =plan and ~name only apply to tenant update (a new tenant has no overrides)`,
    );
  }
  if (!changes.reset && !changes.clear.length && !changes.add.length && !changes.remove.length) {
    throw invalid(
      "features",
      says`${field("features")} needs at least one name, e.g. +bulk_export,-advanced_analytics`,
    );
  }
  return changes;
}

/** The features of a plan, without overrides. */
export function planFeatures(plan: Plan): Feature[] {
  return [...effectiveFeatures(plan, [], [])];
}

/**
 * Removals that hide features the plan includes: after a plan change, the overrides an operator most likely forgot
 * (an upgraded tenant would silently keep lacking the new plan's tools).
 */
export function hiddenPlanFeatures(plan: Plan, featuresRemove: readonly string[]): Feature[] {
  return planFeatures(plan).filter((f) => featuresRemove.includes(f));
}
