/**
 * Which conformance scenarios run against which protocol lane of `/mcp`, and the committed baseline of failures
 * each lane is allowed. A lane is a list of runs of the conformance CLI's `server` command; each run names its
 * scenarios (suite and wire version, or a frozen requirement set) and its baseline file.
 */

/** One invocation of `conformance server`. */
export interface SuiteRun {
  /** Shown in the log. */
  label: string;
  /** Arguments selecting scenarios and wire version, e.g. `--suite active --spec-version 2025-11-25`. */
  select: string[];
  /** Baseline of expected failures (YAML, `server:` list), relative to the project root. */
  baseline: string;
}

/** A protocol lane of `/mcp` and the runs that test it. */
interface Lane {
  name: LaneName;
  description: string;
  runs: SuiteRun[];
}

export const LANE_NAMES = ["session", "stateless"] as const;
export type LaneName = (typeof LANE_NAMES)[number];

/** Every lane the conformance run knows. */
export const LANES: Record<LaneName, Lane> = {
  session: {
    name: "session",
    description: "MCP 2025-11-25 and earlier: initialize, Mcp-Session-Id sessions in Redis",
    runs: [
      {
        label: "active suite at 2025-11-25",
        // Without --spec-version a scenario that also applies to 2026-07-28 would still run at 2025-11-25, but pinning
        // it keeps this lane on the session-lane wire whatever the suite's defaults become.
        select: ["--suite", "active", "--spec-version", "2025-11-25"],
        baseline: "conformance/expected-failures.session.yml",
      },
    ],
  },
  stateless: {
    name: "stateless",
    description: "MCP 2026-07-28: stateless, per-request _meta, no sessions",
    runs: [
      {
        label: "requirements of 2026-07-28",
        // The frozen set the revision requires, each scenario at the 2026-07-28 wire (stateless scenarios included,
        // which the active suite leaves out as "draft").
        select: ["--requirements", "2026-07-28"],
        baseline: "conformance/expected-failures.stateless.yml",
      },
    ],
  },
};

/** Lanes `npm run conformance` runs when none is named. */
export const DEFAULT_LANES: readonly LaneName[] = ["session", "stateless"];
