import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readDotenv, writeDevVars } from "../../dev-vars.ts";
import type { Cloud } from "../../start.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// Only the fields writeDevVars reads.
const cloud = {
  pg: { adminUrl: "postgres://postgres@127.0.0.1:5432/tmcp_dev" },
  upstashUrl: "http://127.0.0.1:1",
  upstashToken: "t",
  upstashShards: [{ url: "http://127.0.0.1:1", token: "t" }],
  neonHttpEndpoint: "http://127.0.0.1:2/sql",
  neonWsProxy: "127.0.0.1:2/v1",
} as unknown as Cloud;

describe("the local stack's Worker variables", () => {
  it("allow loopback browser origins (the Inspector's direct mode), which a deployed Worker does not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tmcp-devvars-"));
    dirs.push(dir);
    const path = join(dir, ".dev.vars");
    await writeDevVars(path, cloud);
    expect(await readDotenv(path)).toMatchObject({ ALLOW_LOCALHOST_ORIGINS: "true" });
  });
});
