// The conformance run's own judgement of the scenarios a requirement set runs without scoring
// (conformance/runner/unscored.ts): a failed or warned check counts unless the baseline lists its scenario, and
// results older than the run (a reused --output-dir) do not.
import { mkdir, mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unlistedFailures } from "../../conformance/runner/unscored.ts";

async function scenario(dir: string, name: string, statuses: string[], at?: Date): Promise<void> {
  const path = join(dir, `server-${name}-2026-12-03T10-07-46-296Z`);
  await mkdir(path, { recursive: true });
  const file = join(path, "checks.json");
  await writeFile(file, JSON.stringify(statuses.map((status, i) => ({ id: `${name}-check-${i}`, status }))));
  if (at) await utimes(file, at, at);
}

describe("unscored scenarios in the conformance run", () => {
  it("reports every scenario with a FAILURE or WARNING the baseline does not list, and only those", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tmcp-unscored-"));
    const baseline = join(dir, "baseline.yml");
    await writeFile(baseline, "# comment\nserver:\n  - tools-call-sampling\n  - resources-subscribe\n");
    await scenario(dir, "tasks-mrtr-input", ["SUCCESS", "FAILURE", "FAILURE"]);
    await scenario(dir, "tasks-wire-fields", ["SUCCESS", "WARNING"]);
    await scenario(dir, "tasks-lifecycle", ["SUCCESS", "INFO", "SKIPPED"]);
    await scenario(dir, "tools-call-sampling", ["FAILURE"]);
    await scenario(dir, "old-run", ["FAILURE"], new Date(Date.now() - 3_600_000));

    expect(await unlistedFailures(dir, baseline, Date.now() - 60_000)).toEqual([
      "tasks-mrtr-input (tasks-mrtr-input-check-1, tasks-mrtr-input-check-2)",
      "tasks-wire-fields (tasks-wire-fields-check-1)",
    ]);
  });

  it("an empty baseline (`server: []`) lists nothing, and a run that wrote nothing has no failures", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tmcp-unscored-"));
    const baseline = join(dir, "baseline.yml");
    await writeFile(baseline, "server: []\n");
    expect(await unlistedFailures(join(dir, "missing"), baseline, 0)).toEqual([]);
    await scenario(dir, "tools-call-sampling", ["FAILURE"]);
    expect(await unlistedFailures(dir, baseline, 0)).toEqual(["tools-call-sampling (tools-call-sampling-check-0)"]);
  });
});
