import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bringUpCloud, parseCloudArgs } from "../../local-cloud/main.ts";
import { readDotenv } from "../../local-cloud/dev-vars.ts";
import { dropDatabase } from "../../local-cloud/fresh.ts";
import type { Cloud } from "../../local-cloud/start.ts";
import { localCloudConnection, type Connection } from "../admin/connect.ts";
import { startWranglerDev, type WranglerDevOptions } from "./wrangler-dev.ts";

/** The conformance build's entry (src/conformance/worker.ts): what this stack serves. */
const CONFORMANCE_ENTRY = "src/conformance/worker.ts";

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Admin URL of the database (created and migrated if needed). */
  databaseUrl: string;
  /** Redis URL with its db number. It is never flushed: every key the Worker writes names its tenant. */
  redisUrl: string;
  /** Drop the database first. Default false. */
  freshDatabase?: boolean;
  /** Port of `wrangler dev`. Default: a free port. */
  port?: number;
  /** Worker variables on top of the local cloud's (e.g. `ALLOWED_ORIGINS`). */
  vars?: Record<string, string>;
  /** Print wrangler's output as it comes. Default false. */
  verbose?: boolean;
  /** Extra environment of the `wrangler dev` process (see {@link WranglerDevOptions.processEnv}). */
  processEnv?: Record<string, string>;
  log?: (message: string) => void;
}

/** The whole local stack, running: local cloud + migrated database + the Worker under `wrangler dev`. */
export interface LocalStack {
  /** Base URL of the Worker, e.g. `http://127.0.0.1:8790`. */
  url: string;
  /** `<url>/mcp` */
  mcpUrl: string;
  cloud: Cloud;
  /** Superuser URL of the database (the migrations' role): for test data beyond tenants and keys. */
  adminDatabaseUrl: string;
  /** Where the admin CLI (and `connect`, for the control plane's services) manages this stack's tenants and keys. */
  connection: Connection;
  /** The last lines of wrangler's output, for error reports. */
  workerOutput(): string;
  close(): Promise<void>;
}

/**
 * Starts what `npm run dev` starts, on ports of its own and without touching the developer's files: the local cloud
 * in-process (free ports, migrations applied, variables written to a temporary file instead of .dev.vars) and
 * `wrangler dev` reading only that file. Used by `npm run conformance` and the e2e tests.
 */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const log = o.log ?? ((m: string) => process.stderr.write(`[stack] ${m}\n`));
  const dir = await mkdtemp(join(tmpdir(), "tmcp-stack-"));
  const cloudVars = join(dir, "cloud.vars");
  if (o.freshDatabase) await dropDatabase(o.databaseUrl);
  // The same options `npm run cloud` parses, so defaults stay in one place.
  const args = parseCloudArgs(
    [
      "--database-url",
      o.databaseUrl,
      "--redis-url",
      o.redisUrl,
      "--neon-port",
      "0",
      "--upstash-port",
      "0",
      "--dev-vars",
      cloudVars,
    ],
    "",
  );
  const cloud = await bringUpCloud(args, log);
  const closeCloud = async (): Promise<void> => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const workerVars = await readDotenv(cloudVars);
    const extraVars = join(dir, "extra.vars");
    await writeFile(
      extraVars,
      Object.entries(o.vars ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}\n`)
        .join(""),
      { mode: 0o600 },
    );
    const worker = await startWranglerDev({
      port: o.port,
      // The conformance build: the production Worker plus the suite's fixtures, which the conformance tenant uses.
      entry: CONFORMANCE_ENTRY,
      envFiles: [cloudVars, extraVars],
      // An optional secret, which wrangler passes on from a file only when wrangler.toml declares it: as a variable, as
      // `npm run dev` does, so the operator API and the web console work here too.
      ...(workerVars.OPERATOR_DATABASE_URL
        ? { vars: { OPERATOR_DATABASE_URL: workerVars.OPERATOR_DATABASE_URL } }
        : {}),
      verbose: o.verbose,
      ...(o.processEnv ? { processEnv: o.processEnv } : {}),
      log,
    });
    return {
      url: worker.url,
      mcpUrl: `${worker.url}/mcp`,
      cloud,
      adminDatabaseUrl: cloud.pg.adminUrl,
      connection: localCloudConnection({ ...cloud, adminDatabaseUrl: cloud.pg.adminUrl }, workerVars),
      workerOutput: worker.tail,
      async close() {
        await worker.stop();
        await closeCloud();
      },
    };
  } catch (err) {
    await closeCloud();
    throw err;
  }
}
