// 2026-07-28 multi round-trip input beyond elicitation: sampling and roots requests, the client-capability gate
// (-32021), prompts that ask, and the URI in "Resource not found". Driven through the conformance fixtures.
import { beforeAll, describe, expect, it } from "vitest";
import { promptsFor } from "../../src/prompts/registry.ts";
import type { Feature } from "../../src/tenancy/tenant.ts";
import { connectClient, createTenant, type TestTenant } from "./support/fixtures.ts";
import { statelessMessage, postStateless, replyOf } from "./support/stateless.ts";

let fixtures: TestTenant;
beforeAll(async () => {
  fixtures = await createTenant("free", { featuresAdd: ["conformance_fixtures"] });
});

const ALL = { elicitation: {}, sampling: {}, roots: {} };
const NAME = { action: "accept", content: { name: "Alice" } };
const SAMPLED = {
  role: "assistant",
  content: { type: "text", text: "Hello there!" },
  model: "m",
  stopReason: "endTurn",
};
const ROOTS = { roots: [{ uri: "file:///test/root", name: "Test Root" }] };

async function send(
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = ALL,
): Promise<{ status: number; body: Record<string, any> }> {
  const res = await postStateless(statelessMessage(method, params, { capabilities }), {
    authorization: `Bearer ${fixtures.apiKey}`,
  });
  return { status: res.status, body: await replyOf(res) };
}

describe("sampling and roots requests", () => {
  const name = "test_input_required_result_multiple_inputs";

  it("asks by elicitation, sampling and roots/list at once, and completes with every answer and the sealed state", async () => {
    const first = (await send("tools/call", { name, arguments: {} })).body.result;
    expect(first.resultType).toBe("input_required");
    expect(first.inputRequests).toEqual({
      user_name: expect.objectContaining({ method: "elicitation/create" }),
      greeting: {
        method: "sampling/createMessage",
        params: { messages: [{ role: "user", content: { type: "text", text: "Generate a greeting" } }], maxTokens: 50 },
      },
      client_roots: { method: "roots/list", params: {} },
    });
    expect(typeof first.requestState).toBe("string");

    const inputResponses = { user_name: NAME, greeting: SAMPLED, client_roots: ROOTS };
    const done = (await send("tools/call", { name, arguments: {}, inputResponses, requestState: first.requestState }))
      .body.result;
    expect(done.resultType).toBe("complete");
    expect(done.content[0].text).toBe("name Alice; greeting Hello there!; roots file:///test/root");
  });

  it("asks again for exactly the answers that are missing or malformed, ignoring keys it never asked", async () => {
    const first = (await send("tools/call", { name, arguments: {} })).body.result;
    const inputResponses = {
      user_name: NAME,
      greeting: { role: "assistant", content: { type: "image" } },
      extra: { foo: 1 },
    };
    const again = (await send("tools/call", { name, arguments: {}, inputResponses, requestState: first.requestState }))
      .body.result;
    expect(again.resultType).toBe("input_required");
    expect(Object.keys(again.inputRequests).sort()).toEqual(["client_roots", "greeting"]);
  });

  it("without the sealed state, answers count for nothing: the whole question is asked again", async () => {
    const inputResponses = { user_name: NAME, greeting: SAMPLED, client_roots: ROOTS };
    const again = (await send("tools/call", { name, arguments: {}, inputResponses })).body.result;
    expect(again.resultType).toBe("input_required");
    expect(Object.keys(again.inputRequests)).toHaveLength(3);
  });
});

describe("client capabilities", () => {
  it("a fixture asks only by the means the request declares", async () => {
    const { body } = await send(
      "tools/call",
      { name: "test_input_required_result_capabilities", arguments: {} },
      { sampling: {} },
    );
    expect(Object.values(body.result.inputRequests).map((r: any) => r.method)).toEqual(["sampling/createMessage"]);
  });

  it("asking by a capability the request did not declare is -32021 with HTTP 400, naming it", async () => {
    const { status, body } = await send("tools/call", { name: "test_missing_capability", arguments: {} }, {});
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });
    const served = await send("tools/call", { name: "test_missing_capability", arguments: {} }, { sampling: {} });
    expect(served.body.result.resultType).toBe("input_required");
  });
});

describe("prompts that ask", () => {
  const name = "test_input_required_result_prompt";

  it("exist in the stateless lane only", async () => {
    const features = new Set<Feature>(["conformance_fixtures"]);
    expect(promptsFor(features, "stateless").map((p) => p.name)).toContain(name);
    expect(promptsFor(features, "session").map((p) => p.name)).not.toContain(name);
    const { client } = await connectClient(fixtures.apiKey);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).not.toContain(name);
    await expect(client.getPrompt({ name })).rejects.toThrow(/Unknown prompt/);
  });

  it("answer prompts/get with InputRequiredResult, then with the messages", async () => {
    const first = (await send("prompts/get", { name })).body.result;
    expect(first).toMatchObject({
      resultType: "input_required",
      inputRequests: { user_context: { method: "elicitation/create" } },
    });
    const inputResponses = { user_context: { action: "accept", content: { context: "tests" } } };
    const done = (await send("prompts/get", { name, inputResponses })).body.result;
    expect(done.messages).toEqual([{ role: "user", content: { type: "text", text: "Use this context: tests" } }]);
  });
});

describe("Resource not found", () => {
  const uri = "test://nonexistent-resource";

  it("carries the requested URI in data, in both lanes", async () => {
    const { body } = await send("resources/read", { uri });
    expect(body.error.data).toEqual({ uri });
    const { client } = await connectClient(fixtures.apiKey);
    await expect(client.readResource({ uri })).rejects.toMatchObject({ code: -32002, data: { uri } });
  });
});
