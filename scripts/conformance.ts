/**
 * `npm run conformance`: the official MCP conformance suite (`@modelcontextprotocol/conformance`) against this
 * server. Starts the whole local stack on ports of its own (local cloud + `wrangler dev`), makes sure the conformance
 * tenant exists (feature `conformance_fixtures`), mints it a key, and runs each lane's scenarios through a proxy that
 * adds the key (the suite has no credentials option). Exits non-zero on any failure a committed baseline does not
 * list, and on a baselined failure that now passes.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connect } from "./admin/connect.ts";
import { startLocalStack, type LocalStack } from "./lib/local-stack.ts";
import { freePort } from "./lib/wrangler-dev.ts";
import { startAuthProxy, type AuthProxy } from "../conformance/runner/auth-proxy.ts";
import { DEFAULT_LANES, LANE_NAMES, LANES, type LaneName } from "../conformance/runner/lanes.ts";
import { runSuite } from "../conformance/runner/run-suite.ts";
import { unlistedFailures } from "../conformance/runner/unscored.ts";
import { prepareConformanceTenant } from "../conformance/runner/tenant.ts";

const HELP = `Usage: npm run conformance -- [options]

Runs the MCP conformance suite's server scenarios against the Worker under wrangler dev, with a local cloud over
real PostgreSQL and Redis. Baselines: conformance/expected-failures.<lane>.yml.

Options:
  --lane NAME          ${LANE_NAMES.join(" | ")} | all (default: ${DEFAULT_LANES.join(",")}); repeatable
  --scenario NAME      run one scenario only (see: npx @modelcontextprotocol/conformance list --server)
  --database-url URL   admin URL of the database (default: $CONFORMANCE_DATABASE_URL or
                       postgres://postgres@127.0.0.1:5432/tenant_mcp_conformance); migrated, never dropped
  --redis-url URL      Redis URL (default: $CONFORMANCE_REDIS_URL or redis://127.0.0.1:6379); never flushed
  --port N             port of wrangler dev (default: a free port)
  --url URL            test an already running server instead (its /mcp URL); needs --api-key
  --api-key KEY        the key to send with --url (a tenant with the conformance_fixtures feature); the
                       dns-rebinding scenario passes only if that server allows loopback origins (as
                       \`npm run dev\` does) or lists the proxy's origin in ALLOWED_ORIGINS
  --output-dir DIR     where the suite writes checks.json per scenario (default: a temporary directory)
  --verbose            print wrangler's output (the Worker's request log)
  -h, --help           show this help`;

const log = (m: string): void => void process.stderr.write(`[conformance] ${m}\n`);

let values;
try {
  values = parseArgs({
    options: {
      lane: { type: "string", multiple: true },
      scenario: { type: "string" },
      "database-url": {
        type: "string",
        default: process.env.CONFORMANCE_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_conformance",
      },
      "redis-url": { type: "string", default: process.env.CONFORMANCE_REDIS_URL ?? "redis://127.0.0.1:6379" },
      port: { type: "string" },
      url: { type: "string" },
      "api-key": { type: "string" },
      "output-dir": { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
} catch (err) {
  fail(`${(err as Error).message}\n\n${HELP}`);
}
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const lanes = selectLanes(values.lane);
if (values.url && !values["api-key"]) fail("--url needs --api-key");
if (values.port !== undefined && !/^\d+$/.test(values.port)) fail("--port must be a number");

let stack: LocalStack | undefined;
let proxy: AuthProxy | undefined;
const shutdown = async (): Promise<void> => {
  await proxy?.close();
  await stack?.close();
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void shutdown().finally(() => process.exit(130)));
}

let exitCode = 1;
try {
  // The dns-rebinding scenario sends the proxy's own origin (http://127.0.0.1:<port>) and expects it to pass, and an
  // evil one to be refused. The stack runs with the variables `npm run dev` uses, which allow loopback origins: no
  // ALLOWED_ORIGINS, so the run proves what a developer's local stack does.
  const proxyPort = await freePort();
  let endpoint: string;
  let apiKey: string;
  if (values.url) {
    endpoint = values.url;
    apiKey = values["api-key"] as string;
  } else {
    stack = await startLocalStack({
      databaseUrl: values["database-url"],
      redisUrl: values["redis-url"],
      port: values.port ? Number(values.port) : undefined,
      verbose: values.verbose,
      log,
    });
    log(`worker: ${stack.url} (postgres: ${stack.cloud.engines.postgres}, redis: ${stack.cloud.engines.redis})`);
    endpoint = stack.mcpUrl;
    apiKey = (await prepareConformanceTenant(connect(stack.connection))).apiKey;
  }
  proxy = await startAuthProxy({ upstream: endpoint, authorization: `Bearer ${apiKey}`, port: proxyPort });
  const suiteUrl = new URL(new URL(endpoint).pathname, proxy.url).toString();
  const outputDir = values["output-dir"] ?? (await mkdtemp(join(tmpdir(), "tmcp-conformance-")));
  log(`suite endpoint: ${suiteUrl} -> ${endpoint}; results: ${outputDir}`);

  const failed: string[] = [];
  for (const lane of lanes) {
    for (const run of LANES[lane].runs) {
      log(`== lane ${lane} (${LANES[lane].description}): ${run.label}, baseline ${run.baseline}`);
      const runDir = join(outputDir, lane);
      const started = Date.now();
      const code = await runSuite(run, { url: suiteUrl, scenario: values.scenario, outputDir: runDir });
      if (code !== 0) failed.push(`${lane}: ${run.label}`);
      // Scenarios a requirement set runs without scoring count here as much as the scored ones.
      const unscored = run.select.includes("--requirements")
        ? await unlistedFailures(runDir, run.baseline, started)
        : [];
      if (unscored.length) {
        log(`failures the baseline does not list, scored or not: ${unscored.join("; ")}`);
        if (code === 0) failed.push(`${lane}: ${run.label} (unscored scenarios)`);
      }
    }
  }
  if (failed.length) {
    log(`FAILED (not in the baseline, or a baselined failure that now passes): ${failed.join("; ")}`);
    if (stack) log(`last Worker output:\n${stack.workerOutput()}`);
  } else {
    log("all scenarios passed or failed exactly as the baseline says");
  }
  exitCode = failed.length ? 1 : 0;
} catch (err) {
  log(`error: ${(err as Error).message}`);
} finally {
  await shutdown();
}
process.exit(exitCode);

function selectLanes(named: string[] | undefined): LaneName[] {
  if (!named?.length) return [...DEFAULT_LANES];
  if (named.includes("all")) return [...LANE_NAMES];
  for (const n of named) if (!(LANE_NAMES as readonly string[]).includes(n)) fail(`unknown lane "${n}"`);
  return named as LaneName[];
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
