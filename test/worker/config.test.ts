import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";

// Settings are read through Config only; these two were read from env directly before.
describe("Config", () => {
  it("carries the API-key pepper as set", () => {
    expect(loadConfig({ ...env, API_KEY_PEPPER: "pepper-under-test" }).apiKeyPepper).toBe("pepper-under-test");
  });

  it("has no tenant host suffix when TENANT_HOST_SUFFIX is empty, and the suffix when set", () => {
    expect(loadConfig({ ...env, TENANT_HOST_SUFFIX: "" }).tenantHostSuffix).toBeUndefined();
    expect(loadConfig({ ...env, TENANT_HOST_SUFFIX: "mcp.example.com" }).tenantHostSuffix).toBe("mcp.example.com");
  });
});
