import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { readDotenv } from "../../local-cloud/dev-vars.ts";

const WRANGLER_BIN = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const PROJECT_DIR = fileURLToPath(new URL("../..", import.meta.url));
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 5_000;
/** Lines of wrangler output kept to explain a failure. */
const TAIL_LINES = 60;

/** Options of {@link startWranglerDev}. */
export interface WranglerDevOptions {
  /** Port to serve on. Default 0: a free port. */
  port?: number;
  /** dotenv files with the Worker's variables, later files overriding earlier ones (`--env-file`). */
  envFiles: string[];
  /** Worker variables on top of `envFiles` (`--var NAME:VALUE`, which wins over the files). */
  vars?: Record<string, string>;
  /** wrangler configuration file, relative to the project. Default: wrangler's own choice (./wrangler.toml). */
  config?: string;
  /**
   * The Worker's entry module, relative to the project, instead of the configuration's `main` (e.g. the conformance
   * build, src/conformance/worker.ts). Default: `main`.
   */
  entry?: string;
  /** Also print wrangler's output (the Worker's request log lines included). Default false: kept for errors only. */
  verbose?: boolean;
  /**
   * Extra environment of the wrangler process itself (not Worker variables), e.g. `NODE_EXTRA_CA_CERTS`: the local
   * runtime then also trusts that certificate authority for the Worker's outbound HTTPS fetches.
   */
  processEnv?: Record<string, string>;
  log?: (message: string) => void;
}

/** A running `wrangler dev`. */
export interface WranglerDev {
  /** e.g. `http://127.0.0.1:8787` */
  url: string;
  /** The last lines wrangler printed, for error reports. */
  tail(): string;
  stop(): Promise<void>;
}

/**
 * Runs `wrangler dev` (workerd, the same runtime as production) on 127.0.0.1 and resolves once it serves. The
 * variables come only from `envFiles`: .dev.vars is then not read, and the ones the files set are removed from
 * wrangler's environment, because wrangler lets the process environment win over the files.
 */
export async function startWranglerDev(o: WranglerDevOptions): Promise<WranglerDev> {
  const log = o.log ?? ((m: string) => process.stderr.write(`[wrangler] ${m}\n`));
  const port = o.port || (await freePort());
  // Each wrangler dev needs its own inspector port; the default (9229) would collide with a second instance.
  const inspectorPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.processEnv, WRANGLER_SEND_METRICS: "false" };
  for (const file of o.envFiles) for (const name of Object.keys(await readDotenv(file))) delete env[name];

  const child = spawn(
    process.execPath,
    [
      WRANGLER_BIN,
      "dev",
      ...(o.entry ? [o.entry] : []),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      ...(o.config ? ["--config", o.config] : []),
      ...o.envFiles.flatMap((f) => ["--env-file", f]),
      ...Object.entries(o.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    // Its own process group, so stopping it also stops the workerd processes it started.
    { cwd: PROJECT_DIR, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const lines: string[] = [];
  const tail = (): string => lines.join("\n");
  const url = `http://127.0.0.1:${port}`;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`wrangler dev not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with code ${code} before it was ready`));
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on("line", (raw) => {
        const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
        if (o.verbose) log(line);
        if (line.includes(`Ready on ${url}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });

  const stop = (): Promise<void> => stopGroup(child);
  try {
    await ready;
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; its last output:\n${tail()}`);
  }
  return { url, tail, stop };
}

/** A port that was free a moment ago (the OS picks it); good enough for local tools that bind right after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** SIGTERM to the child's process group, SIGKILL if it lingers. */
function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const pid = child.pid;
    const signal = (s: NodeJS.Signals): void => {
      try {
        process.kill(-pid, s);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => signal("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    signal("SIGTERM");
  });
}
