import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { mcpResourceOf } from "../../src/oauth/resource.ts";

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

describe("PUBLIC_BASE_URL", () => {
  it("is normalised to an origin, and absent when empty", () => {
    expect(loadConfig({ ...env, PUBLIC_BASE_URL: "" }).publicBaseUrl).toBeUndefined();
    expect(loadConfig({ ...env, PUBLIC_BASE_URL: "HTTPS://MCP.Example.com/" }).publicBaseUrl).toBe(
      "https://mcp.example.com",
    );
    expect(loadConfig({ ...env, PUBLIC_BASE_URL: "http://127.0.0.1:8787" }).publicBaseUrl).toBe(
      "http://127.0.0.1:8787",
    );
  });

  it.each(["mcp.example.com", "ftp://mcp.example.com", "https://mcp.example.com/mcp", "https://mcp.example.com/?a=1"])(
    "refuses %s: it must be a bare http(s) origin",
    (value) => {
      expect(() => loadConfig({ ...env, PUBLIC_BASE_URL: value })).toThrow(
        /PUBLIC_BASE_URL must be an http\(s\) origin/,
      );
    },
  );
});

describe("mcpResourceOf: the canonical resource comes from configuration, never from the request", () => {
  const config = (o: { base?: string; suffix?: string }) =>
    loadConfig({ ...env, PUBLIC_BASE_URL: o.base ?? "", TENANT_HOST_SUFFIX: o.suffix ?? "" });
  const req = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });

  it("names <PUBLIC_BASE_URL>/mcp on the configured host only", () => {
    const c = config({ base: "https://mcp.example.com" });
    expect(mcpResourceOf(req("https://mcp.example.com/mcp"), c)).toEqual({
      origin: "https://mcp.example.com",
      resource: "https://mcp.example.com/mcp",
    });
    expect(mcpResourceOf(req("https://evil.example.net/mcp", { "x-forwarded-host": "mcp.example.com" }), c)).toBeNull();
    expect(mcpResourceOf(req("https://mcp.example.com/mcp"), config({}))).toBeNull();
  });

  it("names a tenant host's own resource, with the base URL's scheme and port", () => {
    const c = config({ base: "http://127.0.0.1:8787", suffix: "mcp.localhost" });
    expect(mcpResourceOf(req("http://acme.mcp.localhost:9999/mcp"), c)).toEqual({
      origin: "http://acme.mcp.localhost:8787",
      resource: "http://acme.mcp.localhost:8787/mcp",
      tenantSlug: "acme",
    });
    expect(mcpResourceOf(req("https://a.b.mcp.localhost/mcp"), c)).toBeNull();
    expect(mcpResourceOf(req("https://acme.mcp.example.com/mcp"), config({ suffix: "mcp.example.com" }))).toEqual({
      origin: "https://acme.mcp.example.com",
      resource: "https://acme.mcp.example.com/mcp",
      tenantSlug: "acme",
    });
  });
});
