// OAuth tokens on /mcp: both lanes, two tenants side by side, sessions bound to the credential that opened them.
import { beforeAll, describe, expect, it } from "vitest";
import { createTenant, initializeMessage, type TestTenant } from "./support/fixtures.ts";
import {
  authorizeWithKey,
  BASE,
  mcpPost,
  oauthFetch,
  openOAuthSession,
  statelessHeaders,
  tenantOrigin,
  tokenRequest,
  type Tokens,
} from "./support/oauth.ts";
import { replyOf, statelessMessage } from "./support/stateless.ts";

let a: TestTenant;
let b: TestTenant;
let tokenA: Tokens;
let tokenB: Tokens;
beforeAll(async () => {
  [a, b] = await Promise.all([createTenant("pro"), createTenant("free")]);
  const [ga, gb] = await Promise.all([
    authorizeWithKey(BASE, { apiKey: a.apiKey, tenant: a.slug }),
    authorizeWithKey(BASE, { apiKey: b.apiKey, tenant: b.slug }),
  ]);
  tokenA = ga.tokens;
  tokenB = gb.tokens;
});

const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
const call = { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "list_workspaces", arguments: {} } };

/** The workspace ids a list_workspaces result names. */
function workspaceIds(reply: Record<string, any>): string[] {
  const text = JSON.stringify(reply.result);
  return [...text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)].map((m) => m[0]);
}

describe("session lane with an OAuth token", () => {
  it("initializes, lists tools and calls one, each tenant seeing only its own data", async () => {
    for (const [tenant, tokens] of [
      [a, tokenA],
      [b, tokenB],
    ] as const) {
      const session = await openOAuthSession(BASE, tokens.access_token);
      const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
      const listed = await mcpPost(BASE, tokens.access_token, list, headers);
      expect(listed.status).toBe(200);
      const tools = (await replyOf(listed)).result.tools.map((t: { name: string }) => t.name);
      expect(tools).toContain("list_workspaces");
      const called = await mcpPost(BASE, tokens.access_token, call, headers);
      expect(called.status).toBe(200);
      const ids = workspaceIds(await replyOf(called));
      expect(ids).toContain(tenant.workspaceId);
      expect(ids).not.toContain((tenant === a ? b : a).workspaceId);
    }
  });

  it("a session opened with a token is not found with any other credential, of the same tenant or not", async () => {
    const session = await openOAuthSession(BASE, tokenA.access_token);
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    const other = await authorizeWithKey(BASE, { apiKey: a.apiKey, tenant: a.slug });
    for (const credential of [a.apiKey, other.tokens.access_token, tokenB.access_token]) {
      const res = await mcpPost(BASE, credential, list, headers);
      expect(res.status, credential.slice(0, 12)).toBe(404);
    }
    // ... nor can they end it.
    const ended = await oauthFetch(`${BASE}/mcp`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${a.apiKey}`, ...headers },
    });
    expect(ended.status).toBe(404);
    // The token that opened it still works.
    expect((await mcpPost(BASE, tokenA.access_token, list, headers)).status).toBe(200);
  });

  it("a session opened with an API key is not found with an OAuth token of the same tenant", async () => {
    const res = await mcpPost(BASE, a.apiKey, initializeMessage());
    const session = res.headers.get("mcp-session-id") ?? "";
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    expect((await mcpPost(BASE, a.apiKey, list, headers)).status).toBe(200);
    expect((await mcpPost(BASE, tokenA.access_token, list, headers)).status).toBe(404);
  });

  it("a refreshed token of the same grant keeps the session", async () => {
    const { tokens, clientId } = await authorizeWithKey(BASE, { apiKey: b.apiKey, tenant: b.slug });
    const session = await openOAuthSession(BASE, tokens.access_token);
    const refreshed = (await (
      await tokenRequest(BASE, {
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token,
        client_id: clientId,
        resource: `${BASE}/mcp`,
      })
    ).json()) as Tokens;
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    expect((await mcpPost(BASE, refreshed.access_token, list, headers)).status).toBe(200);
  });
});

describe("stateless lane with an OAuth token", () => {
  it("lists tools and calls one, each tenant seeing only its own data", async () => {
    for (const [tenant, tokens] of [
      [a, tokenA],
      [b, tokenB],
    ] as const) {
      const listed = await mcpPost(
        BASE,
        tokens.access_token,
        statelessMessage("tools/list"),
        statelessHeaders("tools/list"),
      );
      expect(listed.status).toBe(200);
      expect((await replyOf(listed)).result.tools.length).toBeGreaterThan(0);
      const called = await mcpPost(
        BASE,
        tokens.access_token,
        statelessMessage("tools/call", { name: "list_workspaces", arguments: {} }),
        statelessHeaders("tools/call", "list_workspaces"),
      );
      expect(called.status).toBe(200);
      const ids = workspaceIds(await replyOf(called));
      expect(ids).toContain(tenant.workspaceId);
      expect(ids).not.toContain((tenant === a ? b : a).workspaceId);
    }
  });
});

describe("tokens that are not good here", () => {
  const challenge = `Bearer error="invalid_token", resource_metadata="${BASE}/.well-known/oauth-protected-resource/mcp"`;

  it("a garbled, unknown or tampered token gets one invalid_token challenge with the resource metadata", async () => {
    const [user, grant, secret] = tokenA.access_token.split(":") as [string, string, string];
    const flipped = secret.slice(0, -1) + (secret.endsWith("a") ? "b" : "a");
    const forged = [
      "not-a-token",
      `${user}:${grant}:${flipped}`,
      `${b.id}.${user.split(".")[1]}:${grant}:${secret}`,
      `${user}:${"x".repeat(16)}:${secret}`,
    ];
    const answers = new Set<string>();
    for (const token of forged) {
      const res = await mcpPost(BASE, token, initializeMessage());
      expect(res.status, token).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(challenge);
      answers.add(await res.text());
    }
    expect(answers.size).toBe(1);
  });

  it("a token of the shared host is refused on a tenant host, even its own tenant's", async () => {
    const res = await mcpPost(tenantOrigin(a.slug), tokenA.access_token, initializeMessage());
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("a tenant host's token works there, and not on another tenant's host nor on the shared host", async () => {
    const origin = tenantOrigin(a.slug);
    const { tokens } = await authorizeWithKey(origin, { apiKey: a.apiKey });
    expect((await mcpPost(origin, tokens.access_token, initializeMessage())).status).toBe(200);
    expect((await mcpPost(tenantOrigin(b.slug), tokens.access_token, initializeMessage())).status).toBe(401);
    expect((await mcpPost(BASE, tokens.access_token, initializeMessage())).status).toBe(401);
  });

  it("the refresh token itself is no access token", async () => {
    const res = await mcpPost(BASE, tokenA.refresh_token, initializeMessage());
    expect(res.status).toBe(401);
  });
});
