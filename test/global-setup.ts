import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";
import type { ReadyInfo } from "../scripts/cloud/main.ts";
import type { CloudContext } from "./cloud-context.ts";

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/tenant_mcp_test";
const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";
const START_TIMEOUT_MS = 60_000;

/**
 * Starts the local cloud (`scripts/cloud/main.ts`, the same program as `npm run cloud`) over a fresh, migrated test
 * database and an emptied Redis db, then provides its endpoints to the tests inside workerd as `inject("cloud")`.
 * It runs as a child process: plain Node, outside Vite's module graph, exactly as developers run it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const child = spawn(
    process.execPath,
    [
      "scripts/cloud/main.ts",
      "--database-url", TEST_DATABASE_URL,
      "--redis-url", TEST_REDIS_URL,
      "--neon-port", "0",
      "--upstash-port", "0",
      "--fresh",
      "--dev-vars", "-",
      "--ready-json",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const ready = await waitForReady(child);
  const as = (user: string): string => {
    const u = new URL(ready.adminDatabaseUrl);
    u.username = user;
    u.password = "";
    return u.toString();
  };
  const context: CloudContext = {
    neonHttpEndpoint: ready.neonHttpEndpoint,
    neonWsProxy: ready.neonWsProxy,
    upstashUrl: ready.upstashUrl,
    upstashToken: ready.upstashToken,
    statsUrl: ready.statsUrl,
    appDatabaseUrl: as("tenant_mcp_app"),
    ownerDatabaseUrl: as("tenant_mcp_owner"),
    adminDatabaseUrl: ready.adminDatabaseUrl,
    apiKeyPepper: "test-pepper-not-secret",
    engines: ready.engines,
  };
  project.provide("cloud", context);
  return () => stop(child);
}

function waitForReady(child: ChildProcess): Promise<ReadyInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`local cloud not ready after ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`local cloud exited with code ${code} before it was ready (its stderr is above)`));
    });
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as ReadyInfo);
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
