// The operator API (/admin/api/v1) inside workerd against the test cloud: every operation end to end, and what the
// tenants see of it on /mcp at their next request.
import { neon } from "@neondatabase/serverless";
import { beforeEach, describe, expect, it } from "vitest";
import { OPERATIONS } from "../../src/admin/operations.ts";
import { revokeOperator } from "../../src/control/operators.ts";
import { flushAuditQueue, settledStatelessCall, uniqueSlug } from "./admin-support.ts";
import { cloud, controlDeps, initializeMessage, post } from "./support/fixtures.ts";
import { authorizeWithKey, BASE, mcpPost } from "./support/oauth.ts";
import { createTenantOnTier, tierLacks } from "./support/tiers.ts";
import { call, ok, operatorToken, problemOf } from "./support/operator-api.ts";

// A token per test: each token has its own rate limit (OPERATOR_RATE_LIMIT_PER_MINUTE, 120 by default), which one
// token used by the whole file would come close to.
let admin: string;
beforeEach(async () => {
  admin = (await operatorToken("admin")).token;
});

/** Whether `apiKey` opens a session on /mcp now (200), or what status it gets. */
async function mcpStatus(apiKey: string): Promise<number> {
  return (await post(initializeMessage(), { authorization: `Bearer ${apiKey}` })).status;
}

describe("tenants", () => {
  it("create, show, list (paged), update, suspend, resume and delete, each seen by the tenant's next /mcp request", async () => {
    const slug = uniqueSlug("api");
    const made = await ok("POST", "/tenants", admin, { slug, name: "Api Co", plan: "free", keyName: "first" }, 201);
    expect(Object.keys(made).sort()).toEqual(["apiKey", "keyId", "tenant", "workspace"]);
    expect(made.tenant).toMatchObject({ slug, name: "Api Co", plan: "free", isolation: "shared", activeKeys: 1 });
    expect(made.workspace).toMatchObject({ name: "Default" });
    expect(await mcpStatus(made.apiKey)).toBe(200);

    expect((await ok("GET", `/tenants/${slug}`, admin)).tenant.id).toBe(made.tenant.id);
    // A second tenant, so there are two pages of one at least.
    await ok("POST", "/tenants", admin, { slug: uniqueSlug("api2"), name: "Other", plan: "free" }, 201);
    const all = await ok("GET", "/tenants?limit=500", admin);
    expect(all.items.map((t: { slug: string }) => t.slug)).toContain(slug);
    const first = await ok("GET", "/tenants?limit=1", admin);
    expect(first).toMatchObject({ limit: 1, offset: 0, nextOffset: 1 });
    expect(first.items).toHaveLength(1);
    const second = await ok("GET", "/tenants?limit=1&offset=1", admin);
    expect(second).toMatchObject({ limit: 1, offset: 1 });
    expect(second.items).toHaveLength(1);
    expect(second.items[0].slug).not.toBe(first.items[0].slug);

    const updated = await ok("PATCH", `/tenants/${slug}`, admin, {
      plan: "pro",
      rateLimitPerMinute: 77,
      monthlyQuota: 5000,
      features: { remove: ["advanced_analytics"] },
    });
    expect(updated.tenant).toMatchObject({ plan: "pro", rateLimitPerMinute: 77, monthlyQuota: 5000 });
    expect(updated.tenant.features).not.toContain("advanced_analytics");
    expect(updated.warnings).toEqual([]);

    expect((await ok("POST", `/tenants/${slug}/suspend`, admin)).tenant.status).toBe("suspended");
    expect(await mcpStatus(made.apiKey)).toBe(403);
    expect((await ok("POST", `/tenants/${slug}/resume`, admin)).tenant.status).toBe("active");
    expect(await mcpStatus(made.apiKey)).toBe(200);

    const unconfirmed = await problemOf(await call("DELETE", `/tenants/${slug}`, { token: admin }), 400);
    expect(unconfirmed.errors?.[0]?.pointer).toBe("#/confirm");
    const deleted = await ok("DELETE", `/tenants/${slug}?confirm=yes`, admin);
    expect(deleted.deleted).toEqual({ id: made.tenant.id, slug });
    expect(await mcpStatus(made.apiKey)).toBe(401);
    await problemOf(await call("GET", `/tenants/${slug}`, { token: admin }), 404);
  });

  it("answers 409 for a slug taken, and 404 for a tenant that does not exist, on every tenant path", async () => {
    const slug = uniqueSlug("dup");
    await ok("POST", "/tenants", admin, { slug, name: "Dup", plan: "free" }, 201);
    const taken = await problemOf(
      await call("POST", "/tenants", { token: admin, body: { slug, name: "x", plan: "free" } }),
      409,
    );
    expect(taken.type).toBe("urn:tenant-mcp:problem:conflict");
    expect(taken.detail).toBe(`a tenant with slug "${slug}" already exists`);
    const missing = "no-such-tenant-here";
    for (const [method, path, body] of [
      ["GET", `/tenants/${missing}`],
      ["PATCH", `/tenants/${missing}`, { name: "x" }],
      ["POST", `/tenants/${missing}/suspend`],
      ["DELETE", `/tenants/${missing}?confirm=yes`],
      ["GET", `/tenants/${missing}/keys`],
      ["POST", `/tenants/${missing}/keys`, {}],
      ["GET", `/tenants/${missing}/usage`],
    ] as const) {
      const p = await problemOf(await call(method, path, { token: admin, body }), 404);
      expect(p.type, `${method} ${path}`).toBe("urn:tenant-mcp:problem:not-found");
    }
  });
});

describe("keys", () => {
  it("create, list, rotate and revoke; a revoked key is refused on its next /mcp request", async () => {
    const slug = uniqueSlug("keys");
    const made = await ok("POST", "/tenants", admin, { slug, name: "Keys", plan: "free" }, 201);
    const key = await ok("POST", `/tenants/${slug}/keys`, admin, { name: "ci", scopes: ["mcp:read"] }, 201);
    expect(key).toMatchObject({ scopes: ["mcp:read"], expiresAt: null });
    expect(await mcpStatus(key.apiKey)).toBe(200);

    const listed = await ok("GET", `/tenants/${slug}/keys`, admin);
    expect(listed.items.map((k: { id: string }) => k.id)).toEqual([made.keyId, key.keyId]);
    expect(JSON.stringify(listed)).not.toContain(key.apiKey.split("_")[2]);

    const rotated = await ok("POST", `/keys/${made.keyId}/rotate`, admin, { graceSeconds: 0 }, 201);
    expect(rotated.previous).toMatchObject({ id: made.keyId, status: "revoked" });
    expect(await mcpStatus(made.apiKey)).toBe(401);
    expect(await mcpStatus(rotated.apiKey)).toBe(200);
    await problemOf(await call("POST", `/keys/${made.keyId}/rotate`, { token: admin }), 409);

    const revoked = await ok("POST", `/keys/${key.keyId}/revoke`, admin);
    expect(revoked.key).toMatchObject({ id: key.keyId, status: "revoked" });
    // The very next request, also a stateless one: no cache window.
    expect(await mcpStatus(key.apiKey)).toBe(401);
    expect((await settledStatelessCall(key.apiKey, "list_workspaces", {})).status).toBe(401);

    await problemOf(await call("POST", "/keys/nosuchkeyid0000/revoke", { token: admin }), 404);
    const pasted = await problemOf(await call("POST", "/keys/tmcp_abc_secretpart/revoke", { token: admin }), 400);
    expect(pasted.detail).not.toContain("secretpart");
  });
});

describe("workspaces and sign-in settings", () => {
  it("create, list, rename and delete a tenant's workspaces, by id or name", async () => {
    const slug = uniqueSlug("ws");
    await ok("POST", "/tenants", admin, { slug, name: "Ws", plan: "free" }, 201);
    const made = await ok("POST", `/tenants/${slug}/workspaces`, admin, { name: "Plans" }, 201);
    expect(made.workspace).toMatchObject({ name: "Plans", documentCount: 0, archivedAt: null });
    const taken = await problemOf(
      await call("POST", `/tenants/${slug}/workspaces`, { token: admin, body: { name: "plans" } }),
      409,
    );
    expect(taken.detail).toMatch(/already has a workspace named "plans"/);
    const listed = await ok("GET", `/tenants/${slug}/workspaces`, admin);
    expect(listed.items.map((w: { name: string }) => w.name)).toEqual(["Default", "Plans"]);
    const renamed = await ok("PATCH", `/tenants/${slug}/workspaces/Plans`, admin, { name: "Roadmap" });
    expect(renamed.workspace).toMatchObject({ id: made.workspace.id, name: "Roadmap" });
    await problemOf(await call("DELETE", `/tenants/${slug}/workspaces/${made.workspace.id}`, { token: admin }), 400);
    const deleted = await ok("DELETE", `/tenants/${slug}/workspaces/${made.workspace.id}?confirm=yes`, admin);
    expect(deleted.deleted).toEqual({ id: made.workspace.id, name: "Roadmap", documents: 0 });
    await problemOf(
      await call("PATCH", `/tenants/${slug}/workspaces/Roadmap`, { token: admin, body: { name: "x" } }),
      404,
    );
    const bad = await problemOf(
      await call("POST", `/tenants/${slug}/workspaces`, { token: admin, body: { name: "" } }),
      400,
    );
    expect(bad.type).toBe("urn:tenant-mcp:problem:invalid");
  });

  it("refuses the workspaces of a tenant on the database tier with 409: only the CLI opens its database", async (ctx) => {
    const lacks = tierLacks("database");
    if (lacks) return ctx.skip(lacks);
    const slug = uniqueSlug("wsdb");
    await createTenantOnTier({ slug, name: "Db", plan: "free" }, "database");
    const p = await problemOf(await call("GET", `/tenants/${slug}/workspaces`, { token: admin }), 409);
    expect(p.detail).toMatch(/which only the admin CLI is given/);
    const del = await problemOf(await call("DELETE", `/tenants/${slug}?confirm=yes`, { token: admin }), 409);
    expect(del.detail).toMatch(/npm run admin -- tenant delete/);
  });

  it("shows and changes how a tenant's users sign in; the client secret is sealed, never shown nor recorded", async () => {
    const slug = uniqueSlug("login");
    await ok("POST", "/tenants", admin, { slug, name: "Login", plan: "free" }, 201);
    expect((await ok("GET", `/tenants/${slug}/login`, admin)).login).toMatchObject({ oidc: null, apiKeyLogin: true });
    const secret = "s3cret-of-the-client-0123456789";
    const set = await ok("PATCH", `/tenants/${slug}/login`, admin, {
      oidcIssuer: "https://login.example.com",
      clientId: "tenant-mcp",
      clientSecret: secret,
      allowedEmailDomains: ["example.com"],
    });
    expect(set.login.oidc).toMatchObject({ issuer: "https://login.example.com", clientId: "tenant-mcp" });
    expect(JSON.stringify(set)).not.toContain(secret);
    const stored = await neon(cloud.adminDatabaseUrl)`select oidc_client_secret from public.tenant_login
      where tenant_id = (select id from public.tenants where slug = ${slug})`;
    expect(String(stored[0]?.oidc_client_secret)).not.toContain(secret);
    const audit = await ok("GET", `/audit?tenant=${slug}`, admin);
    expect(audit.entries[0]).toMatchObject({ action: "tenant.login", status: 200 });
    expect(JSON.stringify(audit)).not.toContain(secret);
    const bad = await problemOf(
      await call("PATCH", `/tenants/${slug}/login`, { token: admin, body: { oidcIssuer: "http://evil.example" } }),
      400,
    );
    expect(bad.errors?.[0]?.pointer).toBe("#/oidcIssuer");
  });
});

describe("usage, quota and the audit queue", () => {
  it("reports a tenant's tool calls, its quota standing, the billing export and the backlog", async () => {
    const slug = uniqueSlug("use");
    const made = await ok("POST", "/tenants", admin, { slug, name: "Use", plan: "free" }, 201);
    expect((await settledStatelessCall(made.apiKey, "list_workspaces", {})).status).toBe(200);
    await flushAuditQueue([made.tenant.id]);

    const report = await ok("GET", `/tenants/${slug}/usage?sinceSeconds=3600`, admin);
    expect(report).toMatchObject({ tenant: slug, total: { calls: 1, ok: 1 } });
    expect(report.tools.map((t: { tool: string }) => t.tool)).toEqual(["list_workspaces"]);
    const byUser = await ok("GET", `/tenants/${slug}/usage?by=user`, admin);
    expect(byUser.users).toEqual([{ user: `key:${made.keyId}`, calls: 1, errors: 0 }]);

    const quota = await ok("GET", "/quota", admin);
    expect(quota.tenants.find((t: { tenant: string }) => t.tenant === slug)).toMatchObject({ used: 1, plan: "free" });
    const month = new Date().toISOString().slice(0, 7);
    const exported = await ok("GET", `/usage/export?month=${month}&tenant=${slug}`, admin);
    expect(exported.total).toMatchObject({ calls: 1, billable: 1 });
    const csv = await call("GET", `/usage/export?month=${month}&tenant=${slug}&format=csv`, { token: admin });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(await csv.text()).toContain(`${month},${slug},list_workspaces`);
    expect(await ok("GET", "/audit-queue", admin)).toMatchObject({ total: expect.any(Number) });

    const badMonth = await problemOf(await call("GET", "/usage/export?month=2026-13", { token: admin }), 400);
    expect(badMonth.detail).toMatch(/^month must be a month as YYYY-MM/);
  });
});

describe("validation errors are problem details", () => {
  it("lists every problem of a body with a JSON Pointer, refuses unknown fields (the tier among them) and bad JSON", async () => {
    const res = await call("POST", "/tenants", {
      token: admin,
      body: { slug: "Bad Slug", name: "", plan: "gold", isolation: "schema" },
    });
    const p = await problemOf(res, 400);
    expect(p.type).toBe("urn:tenant-mcp:problem:invalid");
    expect(p.errors?.map((e) => e.pointer).sort()).toEqual(["#/isolation", "#/name", "#/plan", "#/slug"]);
    expect(p.errors?.find((e) => e.pointer === "#/isolation")?.detail).toMatch(/tenant move/);
    expect(p.errors?.find((e) => e.pointer === "#/plan")?.detail).toBe(
      'plan must be one of free, pro, enterprise, got "gold"',
    );

    await problemOf(await call("POST", "/tenants", { token: admin, body: "{not json" }), 400);
    await problemOf(await call("POST", "/tenants", { token: admin, body: "[]" }), 400);
    const typed = await call("POST", "/tenants", {
      token: admin,
      body: "{}",
      headers: { "content-type": "text/plain" },
    });
    await problemOf(typed, 415);
    const big = await call("POST", "/tenants", { token: admin, body: { name: "x".repeat(70_000) } });
    await problemOf(big, 413);
  });

  it("refuses bad query parameters and an update that changes nothing", async () => {
    const limit = await problemOf(await call("GET", "/tenants?limit=0", { token: admin }), 400);
    expect(limit.errors).toEqual([{ pointer: "#/limit", detail: "limit must be a whole number from 1 to 500" }]);
    await problemOf(await call("GET", "/tenants?offset=-1", { token: admin }), 400);
    await problemOf(await call("GET", "/audit?cursor=abc", { token: admin }), 400);
    await problemOf(await call("GET", "/tenants/x/usage?by=day", { token: admin }), 400);
    const slug = uniqueSlug("noop");
    await ok("POST", "/tenants", admin, { slug, name: "Noop", plan: "free" }, 201);
    const nothing = await problemOf(await call("PATCH", `/tenants/${slug}`, { token: admin, body: {} }), 400);
    expect(nothing.detail).toMatch(/^nothing to change/);
    const rotate = await problemOf(
      await call("POST", "/keys/aaaaaaaaaaaaaaaa/rotate", { token: admin, body: { graceSeconds: -1 } }),
      400,
    );
    expect(rotate.errors?.[0]?.pointer).toBe("#/graceSeconds");
  });

  it("answers an unknown path or method under /admin with a 404 problem", async () => {
    expect((await problemOf(await call("GET", "/nothing-here", { token: admin }), 404)).type).toBe(
      "urn:tenant-mcp:problem:not-found",
    );
    await problemOf(await call("PUT", "/tenants", { token: admin }), 404);
    await problemOf(await call("GET", "http://tenant-mcp.test/admin/other", { token: admin }), 404);
  });
});

describe("roles", () => {
  it("lets a viewer read everything and refuses every change with 403, changing nothing", async () => {
    const viewer = (await operatorToken("viewer")).token;
    const slug = uniqueSlug("view");
    const made = await ok("POST", "/tenants", admin, { slug, name: "Viewed", plan: "free" }, 201);
    for (const op of OPERATIONS) {
      const path = op.path
        .replace("{slug}", slug)
        .replace("{keyId}", made.keyId)
        .replace("{grantId}", "aaaaaaaaaaaaaaaa")
        .replace("{workspace}", "Default");
      const query = op.id === "exportUsage" ? `?month=${new Date().toISOString().slice(0, 7)}` : "";
      const res = await call(op.method.toUpperCase(), `${path}${query}`, { token: viewer, body: {} });
      if (op.action) {
        const p = await problemOf(res, 403);
        expect(p.type, op.id).toBe("urn:tenant-mcp:problem:forbidden");
      } else {
        expect(res.status, `${op.id}: ${await res.clone().text()}`).toBe(200);
      }
    }
    // Still there, still active, still one key that works.
    expect((await ok("GET", `/tenants/${slug}`, admin)).tenant).toMatchObject({ status: "active", activeKeys: 1 });
    expect(await mcpStatus(made.apiKey)).toBe(200);
  });
});

describe("credentials", () => {
  const paths = [
    ["GET", "/tenants"],
    ["POST", "/tenants"],
    ["GET", "/openapi.json"],
    ["GET", "/audit"],
    ["POST", "/keys/aaaaaaaaaaaaaaaa/revoke"],
    // `/admin` and `/admin/` are the web console's page, which holds no data and is public (test/worker/console-session.test.ts).
    ["GET", "http://tenant-mcp.test/admin/api"],
    ["GET", "http://tenant-mcp.test/admin/anything"],
  ] as const;

  async function refusedEverywhere(token: string | undefined): Promise<void> {
    for (const [method, path] of paths) {
      const res = await call(method, path, { ...(token ? { token } : {}), body: {} });
      const p = await problemOf(res, 401);
      expect(p.type, `${method} ${path}`).toBe("urn:tenant-mcp:problem:unauthorized");
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="tenant-mcp-operator"');
    }
  }

  it("refuses no token, a tenant's API key and a mangled operator token anywhere under /admin", async () => {
    const slug = uniqueSlug("cred");
    const made = await ok("POST", "/tenants", admin, { slug, name: "Cred", plan: "free" }, 201);
    await refusedEverywhere(undefined);
    await refusedEverywhere(made.apiKey);
    await refusedEverywhere(`${admin.slice(0, -1)}${admin.endsWith("a") ? "b" : "a"}`);
    await refusedEverywhere("tmop_aaaaaaaaaaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  });

  it("refuses a revoked operator token from its next request on, anywhere under /admin", async () => {
    const op = await operatorToken("admin");
    await ok("GET", "/me", op.token);
    await revokeOperator(controlDeps, op.id);
    await refusedEverywhere(op.token);
  });

  it("never lets the Worker's own database role read operator tokens or the operator audit log", async () => {
    const app = neon(cloud.appDatabaseUrl);
    await expect(app`select id from public.operator_tokens`).rejects.toThrow(/permission denied/);
    await expect(app`select id from public.operator_audit`).rejects.toThrow(/permission denied/);
    await expect(
      app`insert into public.operator_audit (operator_name, action, status) values ('x', 'forged', 200)`,
    ).rejects.toThrow(/permission denied/);
  });

  it("answers /me with the token's identity", async () => {
    const viewer = await operatorToken("viewer");
    expect((await ok("GET", "/me", viewer.token)).operator).toEqual({
      id: viewer.id,
      name: viewer.name,
      role: "viewer",
    });
  });

  it("rate-limits each operator token, with a 429 problem and Retry-After", async () => {
    const op = await operatorToken("viewer");
    const vars = { OPERATOR_RATE_LIMIT_PER_MINUTE: "2" };
    for (let i = 0; i < 2; i++) expect((await call("GET", "/me", { token: op.token, vars })).status).toBe(200);
    const over = await call("GET", "/me", { token: op.token, vars });
    const p = await problemOf(over, 429);
    expect(p.type).toBe("urn:tenant-mcp:problem:rate-limited");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another token is not slowed down.
    const other = await operatorToken("viewer");
    expect((await call("GET", "/me", { token: other.token, vars })).status).toBe(200);
  });

  it("answers 503 when the deployment has no OPERATOR_DATABASE_URL, and still 401 to a tenant's key", async () => {
    const vars = { OPERATOR_DATABASE_URL: "" } as Partial<Env>;
    const res = await call("GET", "/tenants", { token: admin, vars });
    expect((await problemOf(res, 503)).detail).toBe("The operator API is not configured on this deployment");
    const made = await ok("POST", "/tenants", admin, { slug: uniqueSlug("nocfg"), name: "N", plan: "free" }, 201);
    await problemOf(await call("GET", "/tenants", { token: made.apiKey, vars }), 401);
  });
});

describe("operator audit log", () => {
  it("records who did what to which tenant, with the request id, refused changes included; readable by tenant and by page", async () => {
    const who = await operatorToken("admin");
    const viewer = await operatorToken("viewer");
    const slug = uniqueSlug("aud");
    const created = await call("POST", "/tenants", { token: who.token, body: { slug, name: "Aud", plan: "free" } });
    expect(created.status).toBe(201);
    const made = (await created.json()) as { tenant: { id: string }; keyId: string };
    const refused = await call("POST", `/tenants/${slug}/suspend`, { token: viewer.token });
    expect(refused.status).toBe(403);
    await ok("POST", `/keys/${made.keyId}/revoke`, who.token);
    await problemOf(await call("PATCH", `/tenants/${slug}`, { token: who.token, body: { plan: "gold" } }), 400);
    await ok("GET", `/tenants/${slug}`, who.token); // a read: not recorded

    const log = await ok("GET", `/audit?tenant=${slug}`, viewer.token);
    expect(
      log.entries.map((e: Record<string, unknown>) => [e.action, e.operatorName, e.status, e.target ?? null]),
    ).toEqual([
      ["tenant.update", who.name, 400, null],
      ["key.revoke", who.name, 200, made.keyId],
      ["tenant.suspend", viewer.name, 403, null],
      ["tenant.create", who.name, 201, made.keyId],
    ]);
    const create = log.entries.at(-1);
    expect(create).toMatchObject({
      operatorId: who.id,
      operatorRole: "admin",
      tenantSlug: slug,
      tenantId: made.tenant.id,
      requestId: created.headers.get("x-request-id"),
    });
    expect(log.entries[2].requestId).toBe(refused.headers.get("x-request-id"));

    const page1 = await ok("GET", `/audit?tenant=${slug}&limit=3`, admin);
    expect(page1.entries).toHaveLength(3);
    expect(page1.nextCursor).toBe(String(page1.entries[2].id));
    const page2 = await ok("GET", `/audit?tenant=${slug}&limit=3&cursor=${page1.nextCursor}`, admin);
    expect(page2.entries.map((e: { action: string }) => e.action)).toEqual(["tenant.create"]);
    expect(page2.nextCursor).toBeNull();
  });
});

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1, lists every operation with its role, and carries the request schemas that validate", async () => {
    const doc = await ok("GET", "/openapi.json", admin);
    expect(doc.openapi).toBe("3.1.0");
    for (const op of OPERATIONS) {
      const described = doc.paths[op.path]?.[op.method];
      expect(described?.operationId, `${op.method} ${op.path}`).toBe(op.id);
      expect(described["x-required-role"]).toBe(op.action ? "admin" : "viewer");
      expect(described.responses["401"]).toBeDefined();
    }
    const create = doc.paths["/tenants"].post.requestBody.content["application/json"].schema;
    expect(create.required.sort()).toEqual(["name", "plan", "slug"]);
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.slug.pattern).toBe("^[a-z0-9][a-z0-9-]{1,62}$");
    const limit = doc.paths["/tenants"].get.parameters.find((p: { name: string }) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", required: false });
    expect(doc.info.description).toMatch(/tenant move/);
    expect(doc.components.schemas.Problem.required).toEqual(["type", "title", "status", "detail"]);
  });
});

describe("OAuth grants and tokens", () => {
  it("lists a tenant's grants from the authorization server's storage, revokes one, and refuses OAuth tokens under /admin", async () => {
    const slug = uniqueSlug("oa");
    const made = await ok("POST", "/tenants", admin, { slug, name: "OAuth", plan: "free" }, 201);
    const { tokens } = await authorizeWithKey(BASE, { apiKey: made.apiKey, tenant: slug });
    const initialize = initializeMessage();
    expect((await mcpPost(BASE, tokens.access_token, initialize)).status).toBe(200);

    // An OAuth access token of a tenant is no operator credential, on the Worker's public origin either.
    for (const url of [`${BASE}/admin/api/v1/tenants`, `${BASE}/admin/api/v1/me`]) {
      const res = await call("GET", url, { token: tokens.access_token, vars: { PUBLIC_BASE_URL: BASE } });
      await problemOf(res, 401);
    }

    const grants = await ok("GET", `/tenants/${slug}/grants`, admin);
    expect(grants.total).toBe(1);
    expect(grants.items[0]).toMatchObject({ subject: `key:${made.keyId}` });
    const bySubject = await ok("GET", `/tenants/${slug}/grants?subject=nobody`, admin);
    expect(bySubject.items).toEqual([]);

    const revoked = await ok("POST", `/grants/${grants.items[0].id}/revoke`, admin);
    expect(revoked).toEqual({ grantId: grants.items[0].id, deleted: true });
    expect((await mcpPost(BASE, tokens.access_token, initialize)).status).toBe(401);
    expect((await ok("GET", `/tenants/${slug}/grants`, admin)).items).toEqual([]);
    await problemOf(await call("POST", "/grants/not-a-grant/revoke", { token: admin }), 400);

    const user = await ok("POST", `/tenants/${slug}/grants/revoke`, admin, { subject: `key:${made.keyId}` });
    expect(user).toMatchObject({ tenantId: made.tenant.id, subject: `key:${made.keyId}`, deleted: 0 });
  });
});
