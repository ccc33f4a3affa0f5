import type { Feature } from "./tenant.ts";

/**
 * Memoises `build` per feature set (and lane, when it takes one). What tenants see depends only on their features,
 * so the result is computed once and the same (frozen) object is shared by every request with those features. At
 * most 2 lanes x 2^|FEATURES| entries, nothing tenant-specific in them. The lane is any string key, so this module
 * needs nothing from the tools (which depend on tenancy, not the other way round).
 */
export function perFeatureSet<L extends [] | [lane: string], T>(
  build: (features: ReadonlySet<Feature>, ...lane: L) => T,
): (features: ReadonlySet<Feature>, ...lane: L) => T {
  const memo = new Map<string, T>();
  return (features, ...lane) => {
    const key = `${lane.join("")}:${[...features].sort().join(",")}`;
    let value = memo.get(key);
    if (value === undefined) {
      value = build(features, ...lane);
      memo.set(key, value);
    }
    return value;
  };
}
