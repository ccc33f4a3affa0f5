import type { TestProject } from "vitest/node";
import { shardDbUrls } from "../../local-cloud/shard-urls.ts";
import { startTestCloud, startTestOidc, TEST_DATABASE_URL, TEST_REDIS_URL } from "../global-setup.ts";

/** Shards of the sharded project's cloud. */
export const SHARDS = 3;

/**
 * Global setup of the sharded project: its own local cloud serving three Upstash databases (the Worker gets them as
 * UPSTASH_SHARDS), over its own database (the worker project's name plus `_sharded`, or TEST_SHARDED_DATABASE_URL).
 * Redis: three dbs of its own, TEST_SHARD_REDIS_URLS (comma-separated, all three) or by default the three db numbers
 * after TEST_REDIS_URL's (counting down from 15: 14, 13 and 12 in CI). Not the worker project's db: `redis reshard`
 * (test/sharded/reshard.test.ts) moves and deletes every tenant's keys of the shards it reshards, and the other
 * projects run at the same time. Those dbs are emptied at every run: on a machine shared by several runs, give each
 * its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = new URL(TEST_DATABASE_URL);
  database.pathname = `${database.pathname}_sharded`;
  const listed = (process.env.TEST_SHARD_REDIS_URLS ?? "").split(",").filter(Boolean);
  // shardDbUrls gives the dbs after its argument's: one more than needed, the first being TEST_REDIS_URL's own.
  const urls = listed.length ? listed : shardDbUrls(TEST_REDIS_URL, SHARDS + 1);
  if (urls.length !== SHARDS) throw new Error(`TEST_SHARD_REDIS_URLS must list ${SHARDS} Redis URLs`);
  const [stopCloud, stopOidc] = await Promise.all([
    startTestCloud(project, {
      databaseUrl: process.env.TEST_SHARDED_DATABASE_URL ?? database.toString(),
      redisUrl: urls[0] as string,
      shardRedisUrls: urls.slice(1),
    }),
    // The OAuth files sign people in through it, as in the worker project.
    startTestOidc(project),
  ]);
  return async () => {
    await Promise.all([stopCloud(), stopOidc()]);
  };
}
