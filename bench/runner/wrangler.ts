import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root (where wrangler.toml is). */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The project's wrangler CLI, run with this Node (24) rather than through npx. */
const WRANGLER_BIN = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Runs a one-shot wrangler command (`deploy --dry-run`, `check startup`) in the repository root, bounded by
 * `timeoutMs`; returns its output, or throws with it when the command fails. The child leads its own process group,
 * so a timeout also stops whatever workerd it started.
 */
export async function wranglerOnce(args: string[], timeoutMs: number): Promise<string> {
  const child = spawn(process.execPath, [WRANGLER_BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-OUTPUT_LIMIT);
  };
  child.stdout.setEncoding("utf8").on("data", keep);
  child.stderr.setEncoding("utf8").on("data", keep);
  const timer = setTimeout(() => killGroup(child), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`wrangler ${args.join(" ")} exited with ${code}:\n${output.slice(-4000)}`);
  return output;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the group this child leads (it was spawned detached), i.e. wrangler and its workerd.
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
