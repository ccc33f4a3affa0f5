// The MCP Inspector's CLI connecting with OAuth, end to end: no API key on its command line; it discovers the
// authorization server, registers itself (or presents its Client ID Metadata Document), and the person signs in.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runInspectorWithOAuth } from "./support/inspector-oauth.ts";
import { clientMetadataDocument, type MetadataServer, startMetadataServer } from "./support/oauth-client.ts";
import { expectPlanTools } from "./support/plan-tools.ts";
import { createTenant, type E2eTenant } from "./support/tenants.ts";

const { mcpUrl, tls } = inject("e2e");

type ToolsList = { result: { tools: Array<{ name: string }> } };
type ToolCall = { result: { isError?: boolean; structuredContent?: { results: Array<{ title: string }> } } };

let free: E2eTenant;
let pro: E2eTenant;
let documents: MetadataServer;
beforeAll(async () => {
  [free, pro, documents] = await Promise.all([createTenant("free"), createTenant("pro"), startMetadataServer(tls)]);
});
afterAll(async () => {
  await documents?.close();
});

const ERAS = [
  { era: "legacy", lane: "session" },
  { era: "modern", lane: "stateless" },
] as const;

for (const { era, lane } of ERAS) {
  describe(`inspector --cli --protocol-era ${era} with OAuth`, () => {
    it("registers itself, prints the sign-in URL, and lists the tenant's tools once signed in", async () => {
      const run = await runInspectorWithOAuth(
        mcpUrl,
        { apiKey: pro.apiKey, tenant: pro.slug },
        ["--method", "tools/list"],
        era,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.authorizationUrl?.pathname).toBe("/authorize");
      expect(run.authorizationUrl?.searchParams.get("code_challenge_method")).toBe("S256");
      expect(run.authorizationUrl?.searchParams.get("resource")).toBe(mcpUrl);
      expect(run.page).toContain("This app registered itself");
      expectPlanTools(
        (run.json as ToolsList).result.tools.map((t) => t.name),
        "pro",
        lane,
      );
    });

    it("signs in with its Client ID Metadata Document (--client-metadata-url) and calls a tool", async () => {
      const path = `/inspector/${randomUUID()}.json`;
      const clientId = `${documents.origin}${path}`;
      // The Inspector's callback port is chosen per run: the document allows any loopback port, as RFC 8252 lets
      // native apps do, by naming the loopback redirect without a port.
      documents.publish(
        path,
        clientMetadataDocument(clientId, "MCP Inspector (e2e)", "http://127.0.0.1/oauth/callback"),
      );
      const run = await runInspectorWithOAuth(
        mcpUrl,
        { apiKey: free.apiKey, tenant: free.slug },
        [
          "--client-metadata-url",
          clientId,
          "--method",
          "tools/call",
          "--tool-name",
          "search_documents",
          "--tool-arg",
          "query=report",
        ],
        era,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.authorizationUrl?.searchParams.get("client_id")).toBe(clientId);
      expect(run.page).toContain("Published by <strong>127.0.0.1</strong>");
      expect((run.json as ToolCall).result.structuredContent?.results.map((r) => r.title)).toEqual([
        `Quarterly report ${free.marker}`,
      ]);
    });
  });
}
