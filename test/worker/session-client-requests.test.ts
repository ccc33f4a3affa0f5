// Server-to-client requests in the middle of a session-lane tool call (MCP 2025-11-25): the request goes out on the
// call's SSE response, the client's answer comes back as a new POST, and Redis hands it to the waiting call
// (src/rendezvous/, src/mcp/client-requests/). Driven by the v1 SDK client with real handlers; answers forged from
// another tenant, another session, twice or too late are refused.
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  type ElicitResult,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_META_KEY, IDEMPOTENT_REPLAY_META_KEY } from "../../src/idempotency/key.ts";
import worker from "../../src/index.ts";
import { clientRequestKey } from "../../src/redis/keys.ts";
import { createTenant, MCP_URL, openSession, post, shards, type TestTenant } from "./support/fixtures.ts";

let tenant: TestTenant;
let other: TestTenant;
beforeAll(async () => {
  [tenant, other] = await Promise.all([
    createTenant("pro", { featuresAdd: ["conformance_fixtures"], documents: ["a", "b", "c", "d", "e", "f", "g"] }),
    createTenant("pro"),
  ]);
});

const exists = async (id: string): Promise<boolean> =>
  (await tenant.placement.admin.query("select 1 from documents where id = $1", [id])).length === 1;

/** What a client handler saw: the id of the server's request (to replay or forge answers with). */
interface Seen {
  ids: RequestId[];
}

/**
 * A v1 SDK client declaring elicitation and sampling, whose elicitation handler is `elicit`. `vars` override the
 * Worker's bindings (e.g. a short CLIENT_ANSWER_TIMEOUT_MS); the response streams as it is produced.
 */
async function connect(
  t: TestTenant,
  elicit: (seen: Seen) => Promise<ElicitResult>,
  vars: Partial<Env> = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport; seen: Seen }> {
  const fetchWorker = (url: string | URL, init?: RequestInit): Promise<Response> =>
    Object.keys(vars).length === 0
      ? SELF.fetch(url as string, init)
      : worker.fetch(new Request(url, init), { ...env, ...vars }, createExecutionContext());
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: (url, init) => fetchWorker(url as string, init as RequestInit),
    requestInit: { headers: { authorization: `Bearer ${t.apiKey}` } },
  });
  const client = new Client({ name: "asked", version: "1.0.0" }, { capabilities: { elicitation: {}, sampling: {} } });
  const seen: Seen = { ids: [] };
  client.setRequestHandler(ElicitRequestSchema, async (_request, extra) => {
    seen.ids.push(extra.requestId);
    return elicit(seen);
  });
  client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
    seen.ids.push(extra.requestId);
    const prompt = request.params.messages[0]?.content;
    const text = prompt && "text" in prompt ? prompt.text : "";
    return { role: "assistant", content: { type: "text", text: `echo: ${text}` }, model: "test-model" };
  });
  await client.connect(transport);
  return { client, transport, seen };
}

/** A raw POST of a JSON-RPC answer to request `id` on `sessionId`, with `t`'s key. */
function postAnswer(t: TestTenant, sessionId: string, id: RequestId, result: unknown): Promise<Response> {
  return post(
    { jsonrpc: "2.0", id, result },
    { authorization: `Bearer ${t.apiKey}`, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
  );
}

const text = (result: Record<string, unknown>): string => JSON.stringify(result.content);

describe("delete_document confirms through elicitation in the session lane", () => {
  it("accept with confirm: true deletes; the request carried the form, on the call's own stream", async () => {
    let asked: unknown;
    const { client } = await connect(tenant, async () => ({ action: "accept", content: { confirm: true } }));
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked = request.params;
      return { action: "accept", content: { confirm: true } };
    });
    const target = tenant.documentIds[0]!;
    const result = await client.callTool({ name: "delete_document", arguments: { id: target } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ deleted: true, document: { id: target } });
    expect(asked).toMatchObject({ requestedSchema: { properties: { confirm: { type: "boolean" } } } });
    expect(await exists(target)).toBe(false);
    await client.close();
  });

  for (const [label, answer] of [
    ["decline", { action: "decline" }],
    ["cancel", { action: "cancel" }],
    ["accept with confirm: false", { action: "accept", content: { confirm: false } }],
  ] as const) {
    it(`${label} deletes nothing`, async () => {
      const { client } = await connect(tenant, async () => answer as ElicitResult);
      const target = tenant.documentIds[1]!;
      const result = await client.callTool({ name: "delete_document", arguments: { id: target } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ deleted: false, document: null });
      expect(await exists(target)).toBe(true);
      await client.close();
    });
  }
});

describe("delete_document with an idempotency key, asking in the middle", () => {
  it("the confirmed call deletes once; a retry with the key starts over, finds nothing and asks nothing", async () => {
    let asked = 0;
    const { client } = await connect(tenant, async () => {
      asked++;
      return { action: "accept", content: { confirm: true } };
    });
    const target = tenant.documentIds[5]!;
    const call = {
      name: "delete_document",
      arguments: { id: target },
      _meta: { [IDEMPOTENCY_META_KEY]: crypto.randomUUID() },
    };
    const first = await client.callTool(call);
    expect(first.structuredContent).toMatchObject({ deleted: true, document: { id: target } });
    expect(await exists(target)).toBe(false);
    // Question and answer are inside one call here, so a retry is a new call: it reads first, and the document is gone.
    const retry = await client.callTool(call);
    expect(retry.isError).toBe(true);
    expect(text(retry)).toContain("Document not found.");
    expect(retry._meta?.[IDEMPOTENT_REPLAY_META_KEY]).toBeUndefined();
    expect(asked).toBe(1);
    await client.close();
  });
});

describe("other requests", () => {
  it("sampling: the tool gets the client model's answer", async () => {
    const { client, seen } = await connect(tenant, async () => ({ action: "decline" }));
    const result = await client.callTool({ name: "test_sampling", arguments: { prompt: "capital of France?" } });
    expect(result.isError).toBeFalsy();
    expect(text(result)).toContain("LLM response: echo: capital of France?");
    expect(String(seen.ids[0])).toMatch(/^ask-[A-Za-z0-9_-]{22}$/);
    await client.close();
  });
});

describe("answers that match no waiting request are refused", () => {
  it("another tenant's key on the session: 404; another session of the same tenant: 400; the call still gets the real answer", async () => {
    const target = tenant.documentIds[2]!;
    const ownOther = await openSession(tenant.apiKey);
    const otherTenantsSession = await openSession(other.apiKey);
    const statuses: Record<string, unknown> = {};
    let sessionId = "";
    const { client, transport } = await connect(tenant, async (seen) => {
      const id = seen.ids[0]!;
      const forged = { action: "accept", content: { confirm: true } };
      // The attacker holds the victim's session id and request id, and its own valid key.
      const viaOtherKey = await postAnswer(other, sessionId, id, forged);
      statuses.otherKey = [viaOtherKey.status, await viaOtherKey.json()];
      // ... or its own session, naming the victim's request.
      const viaOtherTenantSession = await postAnswer(other, otherTenantsSession, id, forged);
      statuses.otherTenantSession = [viaOtherTenantSession.status, await viaOtherTenantSession.json()];
      // The same tenant's key, but another session than the one the request went out on.
      const viaOwnOtherSession = await postAnswer(tenant, ownOther, id, forged);
      statuses.ownOtherSession = [viaOwnOtherSession.status, await viaOwnOtherSession.json()];
      return { action: "decline" };
    });
    sessionId = transport.sessionId!;
    const result = await client.callTool({ name: "delete_document", arguments: { id: target } });
    expect(statuses.otherKey).toEqual([
      404,
      expect.objectContaining({ error: expect.objectContaining({ code: -32001 }) }),
    ]);
    for (const refused of [statuses.otherTenantSession, statuses.ownOtherSession]) {
      expect(refused).toEqual([
        400,
        expect.objectContaining({
          error: expect.objectContaining({
            code: -32600,
            message: expect.stringMatching(/^No request of this session awaits/),
          }),
        }),
      ]);
    }
    // The client's own "decline" was the answer the call got, not the forged "accept".
    expect(result.structuredContent).toEqual({ deleted: false, document: null });
    expect(await exists(target)).toBe(true);
    await client.close();
  });

  it("a duplicate answer, after the first was taken: 400", async () => {
    const { client, transport, seen } = await connect(tenant, async () => ({ action: "decline" }));
    await client.callTool({ name: "delete_document", arguments: { id: tenant.documentIds[3]! } });
    const again = await postAnswer(tenant, transport.sessionId!, seen.ids[0]!, {
      action: "accept",
      content: { confirm: true },
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: { code: -32600 } });
    expect(await exists(tenant.documentIds[3]!)).toBe(true);
    await client.close();
  });

  it("a made-up id is refused without touching Redis keys of its shape", async () => {
    const sessionId = await openSession(tenant.apiKey);
    for (const id of ["ask-*", 7, "x".repeat(500), "ask-AAAAAAAAAAAAAAAAAAAAAA"]) {
      const res = await postAnswer(tenant, sessionId, id, { action: "accept", content: {} });
      expect(res.status).toBe(400);
    }
  });
});

describe("the wait is bounded (CLIENT_ANSWER_TIMEOUT_MS)", () => {
  it("no answer in time: the call ends with isError, the request is closed, and the late answer is refused", async () => {
    const vars = { CLIENT_ANSWER_TIMEOUT_MS: "400" };
    let release: (r: ElicitResult) => void = () => {};
    const late = new Promise<ElicitResult>((resolve) => (release = resolve));
    const { client, transport, seen } = await connect(tenant, () => late, vars);
    const target = tenant.documentIds[4]!;
    const result = await client.callTool({ name: "delete_document", arguments: { id: target } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("did not answer the server's elicitation/create request within 1 s");
    const id = String(seen.ids[0]);
    expect(await shards.forTenant(tenant.id).exists(clientRequestKey(tenant.id, transport.sessionId!, id))).toBe(0);

    const tooLate = await postAnswer(tenant, transport.sessionId!, id, {
      action: "accept",
      content: { confirm: true },
    });
    expect(tooLate.status).toBe(400);
    expect(await exists(target)).toBe(true);
    release({ action: "decline" });
    await client.close();
  });
});

describe("capabilities", () => {
  it("a tool that needs sampling, on a session whose client declared only elicitation, is an isError result", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
      fetch: (url, init) => SELF.fetch(url as string, init as RequestInit),
      requestInit: { headers: { authorization: `Bearer ${tenant.apiKey}` } },
    });
    const client = new Client({ name: "no-sampling", version: "1" }, { capabilities: { elicitation: {} } });
    await client.connect(transport);
    const result = await client.callTool({ name: "test_sampling", arguments: { prompt: "hi" } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('did not declare the \\"sampling\\" capability');
    await client.close();
  });
});
