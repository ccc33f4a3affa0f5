// The session lane's loop around a tool that asks (src/mcp/client-requests/drive.ts): every question of a round goes
// out at once, answers come back under their keys with the tool's state, a tool that keeps asking is cut off, and a
// question the client declared no capability for is never sent. The asker is a recording stand-in (its Redis side is
// tested in rendezvous.test.ts and session-client-requests.test.ts); the tool runs through the real callTool.
import * as z from "zod";
import { describe, expect, it } from "vitest";
import type { ClientAsker } from "../../src/mcp/client-requests/asker.ts";
import { callToolAsking, MAX_ASK_ROUNDS } from "../../src/mcp/client-requests/drive.ts";
import { defineTool } from "../../src/tools/define.ts";
import type { InputRequest, ToolContext } from "../../src/tools/types.ts";

const ROOTS: InputRequest = { method: "roots/list", params: {} };
const SAMPLE: InputRequest = {
  method: "sampling/createMessage",
  params: { messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 5 },
};

/** An asker whose client declared `capabilities` and answers every request by its method. */
function recordingAsker(capabilities: string[]): ClientAsker & { sent: InputRequest[] } {
  const sent: InputRequest[] = [];
  return {
    sent,
    capabilities: Object.fromEntries(capabilities.map((c) => [c, {}])),
    async ask(request) {
      sent.push(request);
      return request.method === "roots/list"
        ? { ok: true, result: { roots: [{ uri: "file:///work" }] } }
        : { ok: true, result: { role: "assistant", content: { type: "text", text: "hello" }, model: "m" } };
    },
  };
}

const ctx = { log: console, requestId: "r", signal: new AbortController().signal } as unknown as ToolContext;
const asking = (asker: ClientAsker) => ({ asker, requestId: "call-1", signal: new AbortController().signal });

// Round 1 asks for roots and a sample at once, sealing its state; round 2 echoes what it got.
const both = defineTool({
  name: "asks_both",
  title: "asks_both",
  description: "test",
  feature: "core",
  asksClient: true,
  input: z.object({}),
  annotations: { readOnlyHint: true },
  async handler(_args, c) {
    const got = c.input?.responses;
    if (!got)
      return { content: [], inputRequired: { requests: { roots: ROOTS, sample: SAMPLE }, state: { round: 1 } } };
    return { content: [{ type: "text", text: JSON.stringify({ got, state: c.input?.state }) }] };
  },
});

const forever = defineTool({
  name: "asks_forever",
  title: "asks_forever",
  description: "test",
  feature: "core",
  asksClient: true,
  input: z.object({}),
  annotations: { readOnlyHint: true },
  async handler() {
    return { content: [], inputRequired: { requests: { roots: ROOTS } } };
  },
});

describe("callToolAsking", () => {
  it("asks a round's questions together and gives the answers back under their keys, with the state", async () => {
    const asker = recordingAsker(["roots", "sampling"]);
    const result = await callToolAsking(both, {}, ctx, undefined, asking(asker));
    expect(asker.sent.map((r) => r.method).sort()).toEqual(["roots/list", "sampling/createMessage"]);
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual({
      got: {
        roots: { roots: [{ uri: "file:///work" }] },
        sample: { role: "assistant", content: { type: "text", text: "hello" }, model: "m" },
      },
      state: { round: 1 },
    });
  });

  it("sends nothing the client did not declare: the call ends with isError naming the capability", async () => {
    const asker = recordingAsker(["roots"]);
    const result = await callToolAsking(both, {}, ctx, undefined, asking(asker));
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('did not declare the \\"sampling\\" capability');
    expect(asker.sent).toEqual([]);
  });

  it(`cuts off a tool that keeps asking after ${MAX_ASK_ROUNDS} rounds`, async () => {
    const asker = recordingAsker(["roots"]);
    const result = await callToolAsking(forever, {}, ctx, undefined, asking(asker));
    expect(result.isError).toBe(true);
    expect(asker.sent).toHaveLength(MAX_ASK_ROUNDS);
  });

  it("a failed question ends the call with its sentence, and the tool does not run again", async () => {
    let runs = 0;
    const counting = defineTool({
      name: "asks_once",
      title: "asks_once",
      description: "test",
      feature: "core",
      asksClient: true,
      input: z.object({}),
      annotations: { readOnlyHint: true },
      async handler() {
        runs++;
        return { content: [], inputRequired: { requests: { roots: ROOTS } } };
      },
    });
    const failing: ClientAsker = {
      capabilities: { roots: {} },
      ask: async () => ({ ok: false, message: "The client did not answer." }),
    };
    const result = await callToolAsking(counting, {}, ctx, undefined, asking(failing));
    expect(result).toEqual({ content: [{ type: "text", text: "The client did not answer." }], isError: true });
    expect(runs).toBe(1);
  });
});
