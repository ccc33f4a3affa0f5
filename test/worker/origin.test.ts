// Origin checks from the attacker's side (DNS rebinding: a page on another origin, or one that only looks local).
// Deployed Workers allow only ALLOWED_ORIGINS; the local stack (`npm run dev`) also allows loopback origins.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { isLoopbackOrigin } from "../../src/http/guard.ts";
import { fetchSettled } from "./admin-support.ts";
import { createTenant, initializeMessage, MCP_URL } from "./support/fixtures.ts";

const LOOPBACK = [
  "http://localhost:6274",
  "http://127.0.0.1:8787",
  "http://[::1]:3000",
  "https://localhost",
  "http://localhost",
];
const NOT_LOOPBACK = [
  "http://localhost.evil.com",
  "http://127.0.0.1.evil.com",
  "http://evil.com:80@localhost", // not an origin at all
  "http://localhost:6274/path",
  "http://127.0.0.2:8787",
  "http://[::2]",
  "http://0.0.0.0:8787",
  "http://evil.localhost.example",
  "file://localhost",
  "null",
  "localhost:6274",
  "",
];

describe("isLoopbackOrigin", () => {
  it("accepts localhost, 127.0.0.1 and [::1] on any port, over http or https", () => {
    for (const origin of LOOPBACK) expect(isLoopbackOrigin(origin), origin).toBe(true);
  });

  it("refuses look-alikes and anything that is not a bare origin", () => {
    for (const origin of NOT_LOOPBACK) expect(isLoopbackOrigin(origin), origin).toBe(false);
  });
});

describe("ALLOW_LOCALHOST_ORIGINS", () => {
  it("is off unless set to true, and refuses values it does not know", () => {
    expect(loadConfig(env).allowLocalhostOrigins).toBe(false); // wrangler.toml's value: what a deploy gets
    expect(loadConfig({ ...env, ALLOW_LOCALHOST_ORIGINS: "" }).allowLocalhostOrigins).toBe(false);
    expect(loadConfig({ ...env, ALLOW_LOCALHOST_ORIGINS: "true" }).allowLocalhostOrigins).toBe(true);
    expect(() => loadConfig({ ...env, ALLOW_LOCALHOST_ORIGINS: "yes" })).toThrow(/ALLOW_LOCALHOST_ORIGINS/);
  });
});

async function initializeFrom(origin: string, vars: Partial<Env>): Promise<number> {
  const tenant = await createTenant("free");
  const res = await fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${tenant.apiKey}`,
        origin,
      },
      body: JSON.stringify(initializeMessage()),
    },
    vars,
  );
  return res.status;
}

describe("/mcp from a browser", () => {
  it("deployed default: a loopback origin is refused like any other", async () => {
    expect(await initializeFrom("http://localhost:6274", {})).toBe(403);
  });

  it("local stack: loopback origins pass, look-alikes and other origins do not", async () => {
    const dev = { ALLOW_LOCALHOST_ORIGINS: "true" };
    for (const origin of ["http://localhost:6274", "http://127.0.0.1:8787", "http://[::1]:6274"]) {
      expect(await initializeFrom(origin, dev), origin).toBe(200);
    }
    for (const origin of ["http://localhost.evil.com", "http://127.0.0.1.evil.com:8787", "https://evil.example"]) {
      expect(await initializeFrom(origin, dev), origin).toBe(403);
    }
  });

  it("ALLOWED_ORIGINS still works on its own", async () => {
    expect(await initializeFrom("https://app.example.com", { ALLOWED_ORIGINS: "https://app.example.com" })).toBe(200);
  });
});
