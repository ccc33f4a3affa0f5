// Audit rows say which credential made a call and, for OAuth, which person; `usage --by user` counts per person.
import { describe, expect, it } from "vitest";
import { usageByUser } from "../../src/control/usage.ts";
import { admin, controlDeps, createTenant } from "./support/fixtures.ts";
import { authorizeWithKey, BASE, mcpPost, statelessHeaders } from "./support/oauth.ts";
import { statelessMessage } from "./support/stateless.ts";
import { fetchSettled, flushAuditQueue } from "./admin-support.ts";

describe("audit rows of OAuth calls", () => {
  it("record the grant, the credential kind and the subject; API-key rows keep theirs; usage adds them up per user", async () => {
    const t = await createTenant("pro");
    const { tokens } = await authorizeWithKey(BASE, { apiKey: t.apiKey, tenant: t.slug });
    const grantId = tokens.access_token.split(":")[1];
    const call = statelessMessage("tools/call", { name: "list_workspaces", arguments: {} });
    expect(
      (await mcpPost(BASE, tokens.access_token, call, statelessHeaders("tools/call", "list_workspaces"))).status,
    ).toBe(200);
    // The same call with the API key itself, through the same settled fetch.
    const byKey = await fetchSettled("http://tenant-mcp.test/mcp", {
      method: "POST",
      headers: {
        authorization: `Bearer ${t.apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...statelessHeaders("tools/call", "list_workspaces"),
      },
      body: JSON.stringify(call),
    });
    expect(byKey.status).toBe(200);

    await flushAuditQueue([t.id]);
    const rows = await admin`select key_id, credential_kind, subject from public.audit_log
                               where tenant_id = ${t.id} order by called_at`;
    expect(rows).toEqual([
      { key_id: grantId, credential_kind: "oauth_grant", subject: `key:${t.keyId}` },
      { key_id: t.keyId, credential_kind: "api_key", subject: null },
    ]);
    expect(await usageByUser(controlDeps, t.slug, 3600)).toEqual([{ user: `key:${t.keyId}`, calls: 2, errors: 0 }]);
  });
});
