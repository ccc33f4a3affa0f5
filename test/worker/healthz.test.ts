import { SELF } from "cloudflare:test";
import { neon } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { healthz } from "../../src/routes/healthz.ts";
import { cloud } from "./support/fixtures.ts";

describe("GET /healthz", () => {
  it("is 200 through the real clients and the local cloud", async () => {
    const res = await SELF.fetch("http://tenant-mcp.test/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ postgres: "ok", redis: "ok" });
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("names the failing dependency, and nothing more, with 503", async () => {
    // Real clients pointed at a database that does not exist and at a closed port: real failures.
    const sql = neon(cloud.appDatabaseUrl.replace(/\/[^/]*$/, "/no_such_database"));
    const redis = new Redis({ url: "http://127.0.0.1:9", token: "x", retry: false, enableTelemetry: false });
    const errors: string[] = [];
    const res = await healthz({ sql, redis }, (msg) => errors.push(msg));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ postgres: "unavailable", redis: "unavailable" });
    expect(errors).toHaveLength(2);

    const good = new Redis({ url: cloud.upstashUrl, token: cloud.upstashToken, enableTelemetry: false });
    const onlyPg = await healthz({ sql, redis: good }, () => {});
    expect(await onlyPg.json()).toEqual({ postgres: "unavailable", redis: "ok" });
  });
});
