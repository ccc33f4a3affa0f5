import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SuiteRun } from "./lanes.ts";

const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));
// The CLI of the pinned devDependency (the `conformance` bin), run with this Node: the suite needs Node >= 22.
const CLI = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/conformance/dist/index.js", import.meta.url),
);

/** Options of {@link runSuite}. */
interface RunSuiteOptions {
  /** The MCP endpoint to test. */
  url: string;
  /** Only this scenario (still judged against the run's baseline). */
  scenario?: string;
  /** Where the CLI writes `checks.json` per scenario. */
  outputDir: string;
}

/**
 * Runs `conformance server` for one {@link SuiteRun}, its output going straight to ours. Resolves with the CLI's
 * exit code: with a baseline, non-zero means a failure the baseline does not list, or a listed one that now passes
 * (a stale entry).
 */
export function runSuite(run: SuiteRun, o: RunSuiteOptions): Promise<number> {
  const args = [
    CLI,
    "server",
    "--url",
    o.url,
    ...(o.scenario ? ["--scenario", o.scenario, ...wireOf(run.select)] : run.select),
    "--expected-failures",
    run.baseline,
    "--output-dir",
    o.outputDir,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_DIR, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** The wire-version arguments of a selection, for running one scenario of it: a requirement set runs at its revision. */
function wireOf(select: string[]): string[] {
  const at = (flag: string): string | undefined => {
    const i = select.indexOf(flag);
    return i >= 0 ? select[i + 1] : undefined;
  };
  const version = at("--spec-version") ?? at("--requirements");
  // A requirement set runs extension scenarios (the tasks extension's, which are on no spec timeline) at its
  // revision; one of them alone is skipped as "not applicable" unless forced.
  const force = at("--requirements") ? ["--force"] : [];
  return version ? ["--spec-version", version, ...force] : [];
}
