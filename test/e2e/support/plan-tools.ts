/** What `tools/list` must show a tenant of each plan, from the worker suite's committed snapshots. */
import { readFileSync } from "node:fs";
import { expect } from "vitest";

type Plan = "free" | "pro" | "enterprise";

/** Tool names of a plan in the session lane, in order (test/worker/snapshots/tools-<plan>.json). */
export function planTools(plan: Plan): string[] {
  const url = new URL(`../../worker/snapshots/tools-${plan}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as Array<{ name: string }>).map((t) => t.name);
}

/**
 * The session lane lists exactly the plan's snapshot. The stateless lane may add tools that only it can run (none
 * today: both lanes can ask the user mid-call; the worker suite pins which), but never a tool of a bigger plan or a
 * test fixture.
 */
export function expectPlanTools(listed: string[], plan: "free" | "pro", lane: "session" | "stateless"): void {
  const own = planTools(plan);
  if (lane === "session") {
    expect(listed).toEqual(own);
    return;
  }
  expect(listed.filter((name) => own.includes(name))).toEqual(own);
  const bigger = planTools("enterprise").filter((name) => !own.includes(name));
  expect(listed.filter((name) => bigger.includes(name) || name.startsWith("test_"))).toEqual([]);
}
