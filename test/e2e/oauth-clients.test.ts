// The real MCP client libraries signing in with OAuth over real HTTP against the Worker under `wrangler dev`: dynamic
// registration and Client ID Metadata Documents, two tenants side by side, in both lanes.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type CallbackServer,
  clientMetadataDocument,
  HeadlessOAuthProvider,
  type MetadataServer,
  startCallbackServer,
  startMetadataServer,
} from "./support/oauth-client.ts";
import type { RealClient } from "./support/clients.ts";
import { OAUTH_CLIENT_KINDS } from "./support/oauth-clients.ts";
import { expectPlanTools } from "./support/plan-tools.ts";
import { createTenant, type E2eTenant } from "./support/tenants.ts";

const { mcpUrl, origin, tls } = inject("e2e");

type Results = { results: Array<{ id: string; title: string }> };

let free: E2eTenant;
let pro: E2eTenant;
let callback: CallbackServer;
let documents: MetadataServer;
beforeAll(async () => {
  [free, pro, callback, documents] = await Promise.all([
    createTenant("free"),
    createTenant("pro"),
    startCallbackServer(),
    startMetadataServer(tls),
  ]);
});
afterAll(async () => {
  await Promise.all([callback?.close(), documents?.close()]);
});

function titles(structured: unknown): string[] {
  return (structured as Results).results.map((r) => r.title);
}

for (const kind of OAUTH_CLIENT_KINDS) {
  describe(`${kind.name} with OAuth [${kind.lane} lane]`, () => {
    it("registers itself (DCR); two tenants sign in side by side and each sees only its own plan and documents", async () => {
      const people = [free, pro].map((t) => new HeadlessOAuthProvider({ apiKey: t.apiKey, tenant: t.slug }, callback));
      const [a, b] = (await Promise.all(people.map((p) => kind.connect(mcpUrl, p)))) as [RealClient, RealClient];
      try {
        for (const p of people) {
          // One sign-in each, through a registered client id (not a URL), and a token that is not an API key.
          expect(p.traces).toHaveLength(1);
          expect(p.traces[0]?.page).toContain("This app registered itself");
          const clientId = p.traces[0]?.authorizationUrl.searchParams.get("client_id") ?? "";
          expect(clientId).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(p.traces[0]?.authorizationUrl.searchParams.get("resource")).toBe(mcpUrl);
          expect(p.accessToken).toBeTruthy();
          expect(p.accessToken).not.toMatch(/^tmcp_/);
        }
        const [toolsA, toolsB] = await Promise.all([a.listTools(), b.listTools()]);
        expectPlanTools(toolsA, "free", kind.lane);
        expectPlanTools(toolsB, "pro", kind.lane);

        const [fromA, fromB] = await Promise.all([
          a.callTool("search_documents", { query: "report" }),
          b.callTool("search_documents", { query: "report" }),
        ]);
        expect(titles(fromA.structured)).toEqual([`Quarterly report ${free.marker}`]);
        expect(titles(fromB.structured)).toEqual([`Quarterly report ${pro.marker}`]);
        const theirs = await a.callTool("get_document", { id: pro.documentIds[0] });
        expect(theirs).toMatchObject({ isError: true, text: "Document not found." });
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it("uses its Client ID Metadata Document (CIMD), served over HTTPS, as its client id", async () => {
      const path = `/clients/${randomUUID()}.json`;
      const clientId = `${documents.origin}${path}`;
      documents.publish(path, clientMetadataDocument(clientId, "CIMD e2e client", callback.url));
      const person = new HeadlessOAuthProvider({ apiKey: free.apiKey, tenant: free.slug }, callback, {
        clientMetadataUrl: clientId,
      });
      const client = await kind.connect(mcpUrl, person);
      try {
        expect(person.traces).toHaveLength(1);
        expect(person.traces[0]?.authorizationUrl.searchParams.get("client_id")).toBe(clientId);
        // The Worker fetched the document and shows the domain it was published on.
        expect(documents.fetches(path)).toBeGreaterThanOrEqual(1);
        expect(person.traces[0]?.page).toContain("Published by <strong>127.0.0.1</strong>");
        expect(person.traces[0]?.page).toContain("CIMD e2e client");
        expectPlanTools(await client.listTools(), "free", kind.lane);
        const found = await client.callTool("search_documents", { query: "checklist" });
        expect(titles(found.structured)).toEqual([`Onboarding checklist ${free.marker}`]);
      } finally {
        await client.close();
      }
    });
  });
}

describe("Client ID Metadata Documents: attacks", () => {
  /** Opens `/authorize` for `clientId` with a valid PKCE challenge and redirect URI. */
  function openAuthorize(clientId: string): Promise<Response> {
    const url = new URL(`${origin}/authorize`);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", clientId);
    url.searchParams.set("redirect_uri", callback.url);
    url.searchParams.set("state", "s");
    url.searchParams.set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    url.searchParams.set("code_challenge_method", "S256");
    url.searchParams.set("resource", mcpUrl);
    return fetch(url, { redirect: "manual" });
  }

  it("refuses a document whose client_id is not its own URL, and shows the page for one whose is", async () => {
    const honest = documents.publish(`/clients/${randomUUID()}.json`, {});
    documents.publish(new URL(honest).pathname, clientMetadataDocument(honest, "Honest app", callback.url));
    const impostorPath = `/clients/${randomUUID()}.json`;
    const impostor = `${documents.origin}${impostorPath}`;
    // It claims to be the honest app: a client id it does not live at.
    documents.publish(impostorPath, clientMetadataDocument(honest, "Honest app", callback.url));

    const good = await openAuthorize(honest);
    expect(good.status).toBe(200);
    expect(await good.text()).toContain("Honest app");

    const bad = await openAuthorize(impostor);
    expect(documents.fetches(impostorPath)).toBe(1);
    expect(bad.status).toBe(400);
    // Shown, never redirected: the redirect URI of an unverified client is not trusted.
    expect(bad.headers.get("location")).toBeNull();
    const page = await bad.text();
    expect(page).toContain("could not be verified");
    expect(page).not.toContain("Honest app");
    expect(page).not.toContain('name="handle"');
  });
});
