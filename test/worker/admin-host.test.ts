// TENANT_HOST_SUFFIX: on <slug>.<suffix> only that tenant's keys work; off by default.
import { describe, expect, it } from "vitest";
import { tenantSlugFromHost } from "../../src/auth/authenticate.ts";
import { adminTenant, fetchSettled } from "./admin-support.ts";
import { initializeMessage } from "./support/fixtures.ts";

const SUFFIX = { TENANT_HOST_SUFFIX: "mcp.example.com" };

function initialize(host: string, apiKey: string, vars: Partial<Env> = SUFFIX): Promise<Response> {
  return fetchSettled(
    `https://${host}/mcp`,
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${apiKey}`,
      },
      body: JSON.stringify(initializeMessage()),
    },
    vars,
  );
}

describe("tenantSlugFromHost", () => {
  it("reads the label before the suffix, and nothing when off or outside it", () => {
    expect(tenantSlugFromHost("https://acme.mcp.example.com/mcp", "mcp.example.com")).toBe("acme");
    expect(tenantSlugFromHost("https://ACME.MCP.Example.com./mcp", ".mcp.example.com")).toBe("acme");
    expect(tenantSlugFromHost("https://a.b.mcp.example.com/mcp", "mcp.example.com")).toBe("a.b");
    expect(tenantSlugFromHost("https://mcp.example.com/mcp", "mcp.example.com")).toBeNull();
    expect(tenantSlugFromHost("https://evilmcp.example.com/mcp", "mcp.example.com")).toBeNull();
    expect(tenantSlugFromHost("https://acme.mcp.example.com/mcp", "")).toBeNull();
    expect(tenantSlugFromHost("https://acme.mcp.example.com/mcp", undefined)).toBeNull();
  });
});

describe("tenant host names", () => {
  it("accept the tenant's own key and answer another tenant's key like a bad key (401)", async () => {
    const a = await adminTenant("free");
    const b = await adminTenant("free");
    expect((await initialize(`${a.slug}.mcp.example.com`, a.apiKey)).status).toBe(200);

    const foreign = await initialize(`${a.slug}.mcp.example.com`, b.apiKey);
    const bogus = await initialize(`${a.slug}.mcp.example.com`, `tmcp_${"a".repeat(16)}_${"b".repeat(40)}`);
    expect(foreign.status).toBe(401);
    expect([foreign.headers.get("www-authenticate"), await foreign.text()]).toEqual([
      bogus.headers.get("www-authenticate"),
      await bogus.text(),
    ]);
    // Deeper names under the suffix name no tenant.
    expect((await initialize(`x.${a.slug}.mcp.example.com`, a.apiKey)).status).toBe(401);
  });

  it("leave other hosts alone, and do nothing when the suffix is empty (the default)", async () => {
    const a = await adminTenant("free");
    const b = await adminTenant("free");
    expect((await initialize("mcp.example.com", b.apiKey)).status).toBe(200);
    expect((await initialize("tenant-mcp.test", b.apiKey)).status).toBe(200);
    expect((await initialize(`${a.slug}.mcp.example.com`, b.apiKey, {})).status).toBe(200);
  });
});
