// Revocation of OAuth access from the control plane takes effect on the very next request, inside an open session.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { listGrants, revokeGrant, revokeUserGrants } from "../../src/control/grants.ts";
import { setTenantStatus } from "../../src/control/tenants.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import { controlDeps, createTenant, type TestTenant } from "./support/fixtures.ts";
import { authorizeWithKey, BASE, mcpPost, openOAuthSession, type Tokens } from "./support/oauth.ts";

/** The control plane with the authorization server's storage: the Worker's own KV namespace in the tests. */
const deps: AdminDeps = {
  ...controlDeps,
  grants: {
    async list(prefix) {
      const out: { name: string; metadata?: unknown; expiration?: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await env.OAUTH_KV.list({ prefix, ...(cursor ? { cursor } : {}) });
        out.push(...page.keys);
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return out;
    },
    delete: (name) => env.OAUTH_KV.delete(name),
  },
};

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await createTenant("pro");
});

/** A token and an open session with it. */
async function signedIn(t: TestTenant = tenant): Promise<{ tokens: Tokens; headers: Record<string, string> }> {
  const { tokens } = await authorizeWithKey(BASE, { apiKey: t.apiKey, tenant: t.slug });
  const session = await openOAuthSession(BASE, tokens.access_token);
  const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
  expect((await mcpPost(BASE, tokens.access_token, list, headers)).status).toBe(200);
  return { tokens, headers };
}

describe("grant list", () => {
  it("lists a tenant's grants with their subject and client, and one user's", async () => {
    const t = await createTenant("free");
    await authorizeWithKey(BASE, { apiKey: t.apiKey, tenant: t.slug });
    const grants = await listGrants(deps, t.slug);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ subject: `key:${t.keyId}`, resource: `${BASE}/mcp` });
    expect(await listGrants(deps, t.slug, { subject: `key:${t.keyId}` })).toHaveLength(1);
    expect(await listGrants(deps, t.slug, { subject: "someone-else" })).toHaveLength(0);
    // Another tenant's grants are not listed.
    expect((await listGrants(deps, tenant.slug)).some((g) => g.subject === `key:${t.keyId}`)).toBe(false);
  });
});

describe("revocation on the next request", () => {
  it("grant revoke: the grant's token fails at once, inside its session, and cannot be refreshed", async () => {
    const { tokens, headers } = await signedIn();
    const [grantId] = tokens.access_token.split(":").slice(1);
    expect(await revokeGrant(deps, grantId as string)).toEqual({ grantId, deleted: true });
    const res = await mcpPost(BASE, tokens.access_token, list, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("grant revoke --user: every grant the user holds fails at once; a later sign-in works", async () => {
    const first = await signedIn();
    const second = await signedIn();
    const result = await revokeUserGrants(deps, tenant.slug, `key:${tenant.keyId}`);
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    for (const s of [first, second])
      expect((await mcpPost(BASE, s.tokens.access_token, list, s.headers)).status).toBe(401);
    // A millisecond later, the same person signs in again.
    await new Promise((r) => setTimeout(r, 5));
    await signedIn();
  });

  it("a suspended tenant's token gets 403 at once, and works again when the tenant is resumed", async () => {
    const t = await createTenant("free");
    const { tokens, headers } = await signedIn(t);
    await setTenantStatus(deps, t.slug, "suspended");
    const res = await mcpPost(BASE, tokens.access_token, list, headers);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBeNull();
    await setTenantStatus(deps, t.slug, "active");
    expect((await mcpPost(BASE, tokens.access_token, list, headers)).status).toBe(200);
  });
});
