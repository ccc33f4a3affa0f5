import type { TestProject } from "vitest/node";
import { startTestCloud, TEST_DATABASE_URL, TEST_REDIS_URL } from "../global-setup.ts";

/**
 * Global setup of the resilience project: its own local cloud, because injected faults hit every client of a cloud
 * and the worker project's files run in parallel. Its own database (the worker project's name plus `_resilience`,
 * or TEST_RESILIENCE_DATABASE_URL). Redis: TEST_RESILIENCE_REDIS_URL, by default the worker project's db, which is
 * safe: every key the Worker writes names a tenant or key id that each test creates at random, and vitest runs all
 * global setups (which empty the db) before any test file.
 */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide("soak", {
    seconds: positive(process.env.SOAK_SECONDS, 45),
    seed: positive(process.env.SOAK_SEED, 1),
  });
  const database = new URL(TEST_DATABASE_URL);
  database.pathname = `${database.pathname}_resilience`;
  return startTestCloud(project, {
    databaseUrl: process.env.TEST_RESILIENCE_DATABASE_URL ?? database.toString(),
    redisUrl: process.env.TEST_RESILIENCE_REDIS_URL ?? TEST_REDIS_URL,
  });
}

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 ? n : fallback;
}
