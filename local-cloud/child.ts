import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ReadyInfo } from "./ready.ts";

/** Options of {@link spawnCloud}. */
interface SpawnCloudOptions {
  /** How long to wait for the ready line. Default 60 000 ms. */
  timeoutMs?: number;
  /** Where the cloud's log (stderr) goes: this process's stderr, or a buffer read with `log()`. Default "inherit". */
  stderr?: "inherit" | "capture";
}

/** A local cloud running as a child process. */
export interface CloudProcess {
  /** What the cloud printed with `--ready-json`. */
  ready: ReadyInfo;
  /** The cloud's log so far, when started with `stderr: "capture"` (the last 64 KiB). */
  log(): string;
  /** Stops the cloud (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

const MAIN = join(import.meta.dirname, "main.ts");
const LOG_LIMIT = 64 * 1024;

/**
 * Starts `local-cloud/main.ts` (the program behind `npm run cloud`) as a child process with `--ready-json` and waits
 * for its ready line. Plain Node, outside any bundler's module graph, exactly as developers run it. Used by the test
 * setup and by the benchmark; `args` are the cloud's own options (`--ready-json` is added).
 */
export function spawnCloud(args: string[], o: SpawnCloudOptions = {}): Promise<CloudProcess> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const capture = o.stderr === "capture";
  const child = spawn(process.execPath, [MAIN, ...args, "--ready-json"], {
    stdio: ["ignore", "pipe", capture ? "pipe" : "inherit"],
  });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    log = (log + chunk).slice(-LOG_LIMIT);
  });
  const proc = (ready: ReadyInfo): CloudProcess => ({ ready, log: () => log, stop: () => stop(child) });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`local cloud not ready after ${timeoutMs} ms${capture ? `; its log:\n${log}` : ""}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `local cloud exited with code ${code} before it was ready${capture ? `; its log:\n${log}` : " (its stderr is above)"}`,
        ),
      );
    });
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      resolve(proc(JSON.parse(line) as ReadyInfo));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
