/**
 * `npm run bench`: the Worker's throughput, latency, upstream round trips and round-trip depth, against a naive
 * baseline Worker in the same run, plus a CPU microbenchmark and the bundle size. See `--help` and BENCHMARKS.md.
 */
import { writeFile } from "node:fs/promises";
import { HELP, parseBenchArgs, UsageError, type BenchOptions } from "../bench/runner/options.ts";
import { formatReport } from "../bench/runner/report.ts";
import { runBench } from "../bench/runner/run.ts";

const started = performance.now();
const log = (m: string): void =>
  void process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

let options: BenchOptions | "help";
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`error: ${err.message}\n\n${HELP}\n`);
  process.exit(2);
}
if (options === "help") {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

// Ctrl-C: stop sending and let runBench's cleanup stop the cloud and both Workers instead of orphaning them.
const abort = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (abort.signal.aborted) process.exit(130);
    log(`${signal}: stopping (again to force)`);
    abort.abort(new Error(`interrupted by ${signal}`));
  });
}

try {
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const report = await runBench(options, command, log, abort.signal);
  process.stdout.write(`${formatReport(report)}\n`);
  if (options.json) {
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${options.json}`);
  }
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
