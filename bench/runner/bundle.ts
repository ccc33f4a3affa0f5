import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { wranglerOnce } from "./wrangler.ts";

/** Size of the uploaded bundle and start-up cost of one Worker. */
export interface BundleResult {
  /** Bytes of every module `wrangler deploy --dry-run` would upload. */
  bytes: number;
  /** The same, gzip-compressed file by file (what the platform's size limit counts). */
  gzipBytes: number;
  /**
   * CPU time of the start-up phase (module evaluation) from `wrangler check startup`'s profile, in ms: the median
   * over {@link startupRuns} profiles (a single one varies by a factor of two on a shared machine).
   */
  startupActiveMs: number;
  /** The smallest start-up CPU time of the profiles, in ms (absent in reports from before the median). */
  startupMinMs?: number;
  /** The largest, in ms. */
  startupMaxMs?: number;
  /** How many start-up profiles the figures come from. */
  startupRuns?: number;
  /** Length of the profiled start-up window, in ms (includes idle time), of the profile with the median CPU time. */
  startupWindowMs: number;
  /** The largest contributors to the bundle (raw bytes in the output, per npm package or source folder), largest first. */
  contributors: Contributor[];
}

/** What one package (or one folder of ours) adds to a bundle. */
export interface Contributor {
  /** `zod`, `@neondatabase/serverless`, or `src/tools` for our own code. */
  name: string;
  /** Bytes it adds to the output, before compression. */
  bytes: number;
}

/** How many contributors a report lists. */
const TOP_CONTRIBUTORS = 10;

const TIMEOUT_MS = 120_000;

/**
 * Builds a Worker as `wrangler deploy --dry-run --outdir` would upload it and measures it, then profiles its start-up
 * `startupRuns` times with `wrangler check startup` (workerd, locally: a different CPU than Cloudflare's, so compare,
 * do not quote) and keeps the median, minimum and maximum CPU time.
 */
export async function measureBundle(config: string, workDir: string, startupRuns = 1): Promise<BundleResult> {
  const outdir = join(workDir, "dist");
  await mkdir(outdir, { recursive: true });
  const metafile = join(workDir, "meta.json");
  // The same build also as the upload form (--outfile): `check startup --worker` profiles it without building again,
  // which would cost more than the profile itself on each of the runs.
  const uploadForm = join(workDir, "worker.bundle");
  await wranglerOnce(
    ["deploy", "--dry-run", "--config", config, "--outdir", outdir, "--metafile", metafile, "--outfile", uploadForm],
    TIMEOUT_MS,
  );
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of await listFiles(outdir)) {
    if (file.endsWith(".map") || file.endsWith(".json")) continue;
    const content = await readFile(file);
    bytes += content.length;
    gzipBytes += gzipSync(content).length;
  }
  const profiles: ReturnType<typeof startupTimes>[] = [];
  for (let run = 0; run < startupRuns; run++) {
    const profilePath = join(workDir, `startup-${run}.cpuprofile`);
    await wranglerOnce(
      ["check", "startup", "--config", config, "--worker", uploadForm, "--outfile", profilePath],
      TIMEOUT_MS,
    );
    profiles.push(startupTimes(JSON.parse(await readFile(profilePath, "utf8")) as CpuProfile));
  }
  const contributors = topContributors(JSON.parse(await readFile(metafile, "utf8")) as Metafile);
  return { bytes, gzipBytes, ...startupSummary(profiles), contributors };
}

/**
 * The median profile's figures (the lower middle one for an even count), with the range of CPU times over all.
 */
export function startupSummary(
  profiles: readonly ReturnType<typeof startupTimes>[],
): Pick<BundleResult, "startupActiveMs" | "startupMinMs" | "startupMaxMs" | "startupRuns" | "startupWindowMs"> {
  if (profiles.length === 0) throw new Error("no start-up profile");
  const sorted = [...profiles].sort((a, b) => a.startupActiveMs - b.startupActiveMs);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return {
    startupActiveMs: median.startupActiveMs,
    startupMinMs: sorted[0]!.startupActiveMs,
    startupMaxMs: sorted.at(-1)!.startupActiveMs,
    startupRuns: sorted.length,
    startupWindowMs: median.startupWindowMs,
  };
}

/** The esbuild metafile shape, as far as {@link topContributors} needs it. */
interface Metafile {
  outputs: Record<string, { inputs?: Record<string, { bytesInOutput: number }> }>;
}

/**
 * The largest contributors to a bundle from its esbuild metafile: each input's bytes in the output, summed per npm
 * package (the path after the last `node_modules/`, scope included) or per top-level folder pair of ours (`src/tools`).
 */
export function topContributors(meta: Metafile, top = TOP_CONTRIBUTORS): Contributor[] {
  const sums = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [path, input] of Object.entries(output.inputs ?? {})) {
      const at = path.lastIndexOf("node_modules/");
      const parts = (at >= 0 ? path.slice(at + "node_modules/".length) : path).split("/");
      const name = at >= 0 ? parts.slice(0, parts[0]?.startsWith("@") ? 2 : 1).join("/") : parts.slice(0, 2).join("/");
      sums.set(name, (sums.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...sums]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

/** The V8 `.cpuprofile` shape, as far as start-up timing needs it. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Active (non-idle) sampled time and window length of a CPU profile, in ms. */
export function startupTimes(profile: CpuProfile): { startupActiveMs: number; startupWindowMs: number } {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let activeUs = 0;
  // timeDeltas[i] is the time before sample i; attribute it to the node sampled at i.
  for (let i = 0; i < samples.length; i++) if (!idle.has(samples[i] as number)) activeUs += deltas[i] ?? 0;
  return { startupActiveMs: activeUs / 1000, startupWindowMs: (profile.endTime - profile.startTime) / 1000 };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir)) {
    const path = join(dir, entry);
    if ((await stat(path)).isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
