import { effectiveFeatures, PLANS } from "../../src/tenancy/tenant.ts";
import { toolsFor } from "../../src/tools/registry.ts";

/** The size of one plan's `tools/list` result in one lane. */
export interface ListingSize {
  plan: string;
  lane: "session" | "stateless";
  tools: number;
  /** Bytes of `{"tools": [...]}` as JSON: what a client passes on to the model with every conversation. */
  bytes: number;
}

/**
 * The `tools/list` result of every plan in both lanes, as the Worker serves it (the frozen listings of
 * src/tools/registry.ts, no feature overrides). Computed in-process: the bytes do not depend on the transport.
 */
export function measureListings(): ListingSize[] {
  return PLANS.flatMap((plan) =>
    (["session", "stateless"] as const).map((lane) => {
      const { list } = toolsFor(effectiveFeatures(plan, [], []), lane);
      return { plan, lane, tools: list.length, bytes: JSON.stringify({ tools: list }).length };
    }),
  );
}
