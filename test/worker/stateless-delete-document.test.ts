// delete_document: a confirmation round trip (2026-07-28 InputRequiredResult), with its state sealed by the server;
// for a tenant on each isolation tier.
import { beforeEach, describe, expect, it } from "vitest";
import type { IsolationTier } from "../../src/tenancy/tenant.ts";
import { connectClient, createTenant, type TestTenant } from "./support/fixtures.ts";
import { connectStatelessClient, statelessMessage, postStateless, replyOf } from "./support/stateless.ts";
import { TIERS, tierLacks } from "./support/tiers.ts";

let tenant: TestTenant;
let tier: IsolationTier;

const ELICITATION = { elicitation: { form: {} } };
const auth = (t: TestTenant = tenant): Record<string, string> => ({ authorization: `Bearer ${t.apiKey}` });
/** Whether the document is still there, in its owner's data location (default: the test's tenant). */
const exists = async (id: string, owner: TestTenant = tenant): Promise<boolean> =>
  (await owner.placement.admin.query("select 1 from documents where id = $1", [id])).length === 1;
const accept = { confirm: { action: "accept", content: { confirm: true } } };

/** A raw `tools/call delete_document`, optionally as the retry carrying answers and state. */
async function callDelete(
  id: string,
  retry: { inputResponses?: unknown; requestState?: string } = {},
  o: { as?: TestTenant; capabilities?: Record<string, unknown> } = {},
): Promise<{ status: number; body: Record<string, any> }> {
  const message = statelessMessage(
    "tools/call",
    { name: "delete_document", arguments: { id }, ...retry },
    { capabilities: o.capabilities ?? ELICITATION },
  );
  const res = await postStateless(message, auth(o.as));
  return { status: res.status, body: await replyOf(res) };
}

describe.each(TIERS)("a tenant on the %s tier", (onTier) => {
  beforeEach(async (ctx) => {
    const lacks = tierLacks(onTier);
    if (lacks) return ctx.skip(lacks);
    tier = onTier;
    tenant = await createTenant("free", { documents: ["Keep me", "Delete me"], tier });
  });

  describe("through the v2 client", () => {
    it("asks the user, then deletes exactly the confirmed document", async () => {
      const asked: unknown[] = [];
      const { client } = await connectStatelessClient(tenant.apiKey, {
        elicit: (params) => {
          asked.push(params);
          return { action: "accept", content: { confirm: true } };
        },
      });
      const target = tenant.documentIds[1]!;
      const result = await client.callTool({ name: "delete_document", arguments: { id: target } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ deleted: true, document: { id: target, title: "Delete me" } });
      expect(asked).toEqual([
        expect.objectContaining({
          mode: "form",
          message: expect.stringContaining('"Delete me"'),
          requestedSchema: expect.objectContaining({ required: ["confirm"] }),
        }),
      ]);
      expect(await exists(target)).toBe(false);
      expect(await exists(tenant.documentIds[0]!)).toBe(true);
    });

    it.each([
      ["declines", { action: "decline" as const }],
      ["cancels", { action: "cancel" as const }],
      ["accepts with confirm unticked", { action: "accept" as const, content: { confirm: false } }],
    ])("deletes nothing when the user %s", async (_name, answer) => {
      const { client } = await connectStatelessClient(tenant.apiKey, { elicit: () => answer });
      const target = tenant.documentIds[1]!;
      const result = await client.callTool({ name: "delete_document", arguments: { id: target } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ deleted: false, document: null });
      expect(await exists(target)).toBe(true);
    });

    it("another tenant's document id gets the answer of a missing one, and no question", async () => {
      const other = await createTenant("free", { tier });
      let questions = 0;
      const { client } = await connectStatelessClient(tenant.apiKey, {
        elicit: () => {
          questions++;
          return { action: "accept", content: { confirm: true } };
        },
      });
      const foreign = other.documentIds[0]!;
      const missing = crypto.randomUUID();
      const a = await client.callTool({ name: "delete_document", arguments: { id: foreign } });
      const b = await client.callTool({ name: "delete_document", arguments: { id: missing } });
      expect(JSON.stringify(a).replaceAll(foreign, "<id>")).toBe(JSON.stringify(b).replaceAll(missing, "<id>"));
      expect(a).toMatchObject({ isError: true, content: [{ type: "text", text: "Document not found." }] });
      expect(questions).toBe(0);
      expect(await exists(foreign, other)).toBe(true);
    });
  });

  describe("on the wire", () => {
    it("first call: an InputRequiredResult with a confirmation form and sealed state; nothing deleted", async () => {
      const target = tenant.documentIds[1]!;
      const { status, body } = await callDelete(target);
      expect(status).toBe(200);
      expect(body.result).toMatchObject({
        resultType: "input_required",
        inputRequests: { confirm: { method: "elicitation/create", params: { mode: "form" } } },
        requestState: expect.stringMatching(/^v1\./),
      });
      expect(body.result).not.toHaveProperty("content");
      expect(await exists(target)).toBe(true);

      const retry = await callDelete(target, { inputResponses: accept, requestState: body.result.requestState });
      expect(retry.body.result).toMatchObject({ resultType: "complete", structuredContent: { deleted: true } });
      expect(await exists(target)).toBe(false);
    });

    it("an answer without the server's state is only the start: it asks, and deletes nothing", async () => {
      const target = tenant.documentIds[1]!;
      const { body } = await callDelete(target, { inputResponses: accept });
      expect(body.result.resultType).toBe("input_required");
      expect(await exists(target)).toBe(true);
    });

    it("tampered state is refused with -32602 and deletes nothing", async () => {
      const target = tenant.documentIds[1]!;
      const state = (await callDelete(target)).body.result.requestState as string;
      const [prefix, payload, mac] = state.split(".") as [string, string, string];
      // Point the state at the other document: the payload changes, the MAC no longer matches.
      const forged = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
      forged.p.state.id = tenant.documentIds[0];
      const forgedPayload = btoa(JSON.stringify(forged)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
      for (const bad of [`${prefix}.${forgedPayload}.${mac}`, `${state}x`, "not-a-state"]) {
        const { body } = await callDelete(tenant.documentIds[0]!, { inputResponses: accept, requestState: bad });
        expect(body.error).toMatchObject({ code: -32602, message: "Invalid or expired requestState" });
      }
      expect(await exists(target)).toBe(true);
      expect(await exists(tenant.documentIds[0]!)).toBe(true);
    });

    it("state minted for one tenant is refused for another", async () => {
      const other = await createTenant("free", { tier });
      const state = (await callDelete(tenant.documentIds[1]!)).body.result.requestState as string;
      const { body } = await callDelete(
        tenant.documentIds[1]!,
        { inputResponses: accept, requestState: state },
        { as: other },
      );
      expect(body.error).toMatchObject({ code: -32602 });
      expect(await exists(tenant.documentIds[1]!)).toBe(true);
    });

    it("state about one document does not delete another: it asks again", async () => {
      const state = (await callDelete(tenant.documentIds[1]!)).body.result.requestState as string;
      const { body } = await callDelete(tenant.documentIds[0]!, { inputResponses: accept, requestState: state });
      expect(body.result.resultType).toBe("input_required");
      expect(await exists(tenant.documentIds[0]!)).toBe(true);
    });

    it("a document edited between question and answer is asked about again, not deleted unseen", async () => {
      const target = tenant.documentIds[1]!;
      const state = (await callDelete(target)).body.result.requestState as string;
      await tenant.placement.admin.query("update documents set title = 'Renamed meanwhile' where id = $1", [target]);
      const { body } = await callDelete(target, { inputResponses: accept, requestState: state });
      expect(body.result.resultType).toBe("input_required");
      expect(body.result.inputRequests.confirm.params.message).toContain("Renamed meanwhile");
      expect(await exists(target)).toBe(true);
    });

    it("a client that cannot show forms gets -32021 (HTTP 400) naming the capability", async () => {
      const { status, body } = await callDelete(tenant.documentIds[1]!, {}, { capabilities: {} });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: {} } } });
      expect(await exists(tenant.documentIds[1]!)).toBe(true);
    });
  });

  describe("the session lane", () => {
    it("lists delete_document; a client that declared no elicitation is told so and nothing is deleted", async () => {
      // connectClient declares no capabilities: the tool cannot ask, so it must not delete. (With elicitation, see
      // test/worker/session-client-requests.test.ts.)
      const { client } = await connectClient(tenant.apiKey);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("delete_document");
      const result = await client.callTool({ name: "delete_document", arguments: { id: tenant.documentIds[1] } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('did not declare the \\"elicitation\\" capability');
      expect(await exists(tenant.documentIds[1]!)).toBe(true);
      await client.close();
    });
  });
});
