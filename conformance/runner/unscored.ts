import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** A scenario directory the CLI writes: `server-<scenario>-<ISO time with dashes>`. */
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

/**
 * The scenarios of one run that failed a check (FAILURE, or WARNING: a failed SHOULD, which the CLI's baseline check
 * also counts) and that the baseline does not list, read from the `checks.json` files the run wrote under `outputDir`
 * since `since` (epoch ms). The CLI judges a requirement set's baseline over its scored scenarios only; this judges
 * every scenario it ran, the `not_scored` ones (the tasks extension, ...) included, so they count towards the exit
 * code too.
 */
export async function unlistedFailures(outputDir: string, baselinePath: string, since: number): Promise<string[]> {
  const listed = await baselineScenarios(baselinePath);
  const failed: string[] = [];
  const entries = await readdir(outputDir).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    const scenario = RESULT_DIR.exec(entry)?.[1];
    const file = join(outputDir, entry, "checks.json");
    if (!scenario || listed.has(scenario)) continue;
    const info = await stat(file).catch(() => undefined);
    if (!info || info.mtimeMs < since) continue;
    const checks = JSON.parse(await readFile(file, "utf8")) as { id: string; status: string }[];
    const bad = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING").map((c) => c.id);
    if (bad.length) failed.push(`${scenario} (${bad.join(", ")})`);
  }
  return failed;
}

/** The scenario names a baseline's `server:` list holds (`- name` lines; a `name:check` entry counts as its scenario). */
async function baselineScenarios(path: string): Promise<Set<string>> {
  const names = new Set<string>();
  let inServer = false;
  for (const line of (await readFile(path, "utf8")).split("\n")) {
    if (/^\S/.test(line)) inServer = /^server:/.test(line);
    const item = inServer ? /^\s+-\s+["']?([^"'#\s:]+)/.exec(line) : null;
    if (item?.[1]) names.add(item[1]);
  }
  return names;
}
