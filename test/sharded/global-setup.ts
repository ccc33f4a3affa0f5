import type { TestProject } from "vitest/node";
import { shardDbUrls } from "../../local-cloud/shard-urls.ts";
import { startTestCloud, startTestOidc, TEST_DATABASE_URL, TEST_REDIS_URL } from "../global-setup.ts";

/** Shards of the sharded project's cloud. */
export const SHARDS = 3;

/**
 * Global setup of the sharded project: its own local cloud serving three Upstash databases (the Worker gets them as
 * UPSTASH_SHARDS), over its own database (the worker project's name plus `_sharded`, or TEST_SHARDED_DATABASE_URL).
 * Redis: the first shard is the worker project's db (safe, as for the resilience project: every key names an id a
 * test made at random, and global setups empty their dbs before any test file runs); the other two are
 * TEST_SHARD_REDIS_URLS (comma-separated), by default the two db numbers after TEST_REDIS_URL's (counting down from
 * 15). Those dbs are emptied at every run: on a machine shared by several runs, give each its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = new URL(TEST_DATABASE_URL);
  database.pathname = `${database.pathname}_sharded`;
  const listed = (process.env.TEST_SHARD_REDIS_URLS ?? "").split(",").filter(Boolean);
  const [stopCloud, stopOidc] = await Promise.all([
    startTestCloud(project, {
      databaseUrl: process.env.TEST_SHARDED_DATABASE_URL ?? database.toString(),
      redisUrl: TEST_REDIS_URL,
      shardRedisUrls: listed.length ? listed : shardDbUrls(TEST_REDIS_URL, SHARDS),
    }),
    // The OAuth files sign people in through it, as in the worker project.
    startTestOidc(project),
  ]);
  return async () => {
    await Promise.all([stopCloud(), stopOidc()]);
  };
}
