// Resources, prompts, progress and feature-gated tools through the real SDK client.
import { beforeAll, describe, expect, it } from "vitest";
import { documentUri } from "../../src/resources/documents.ts";
import { connectClient, createTenant, type TestTenant } from "./support/fixtures.ts";

let pro: TestTenant;
let enterprise: TestTenant;
beforeAll(async () => {
  [pro, enterprise] = await Promise.all([createTenant("pro"), createTenant("enterprise")]);
});

describe("bulk export", () => {
  it("streams progress notifications over SSE and returns an embedded resource", async () => {
    const { client } = await connectClient(enterprise.apiKey);
    const progress: number[] = [];
    const result = await client.callTool(
      { name: "export_workspace", arguments: { workspace_id: enterprise.workspaceId, format: "jsonl" } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThan(0);
    const content = result.content as Array<{ type: string; resource?: { text?: string; mimeType?: string } }>;
    const embedded = content.find((c) => c.type === "resource");
    const lines = embedded!
      .resource!.text!.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string });
    expect(lines.map((l) => l.id).sort()).toEqual([...enterprise.documentIds].sort());
  });
});

describe("analytics", () => {
  it("workspace_stats counts the tenant's documents", async () => {
    const { client } = await connectClient(pro.apiKey);
    const result = await client.callTool({ name: "workspace_stats", arguments: { workspace_id: pro.workspaceId } });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain(`"document_count":${pro.documentIds.length}`);
  });
});

describe("resources", () => {
  it("lists the document template and reads the tenant's own document", async () => {
    const { client } = await connectClient(pro.apiKey);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.length).toBeGreaterThan(0);
    const read = await client.readResource({ uri: documentUri(pro.documentIds[0]!) });
    expect(JSON.stringify(read.contents)).toContain("Quarterly report");
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(documentUri(pro.documentIds[0]!));
  });

  it("another tenant's document is -32002, exactly like one that does not exist", async () => {
    const { client } = await connectClient(enterprise.apiKey);
    const failure = async (uri: string): Promise<string> =>
      client.readResource({ uri }).then(
        () => "resolved",
        (e: { code?: number; message: string }) => `${e.code} ${e.message}`,
      );
    const foreign = await failure(documentUri(pro.documentIds[0]!));
    const missing = await failure(documentUri(crypto.randomUUID()));
    expect(foreign).toMatch(/^-32002 /);
    expect(foreign.replace(/[0-9a-f-]{36}/g, "<id>")).toBe(missing.replace(/[0-9a-f-]{36}/g, "<id>"));
  });
});

describe("prompts", () => {
  it("summarize_workspace builds messages from the tenant's documents", async () => {
    const { client } = await connectClient(pro.apiKey);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toContain("summarize_workspace");
    const prompt = await client.getPrompt({
      name: "summarize_workspace",
      arguments: { workspace_id: pro.workspaceId },
    });
    expect(JSON.stringify(prompt.messages)).toContain("Quarterly report");
  });

  it("another tenant's workspace gives the same error as a missing one", async () => {
    const { client } = await connectClient(enterprise.apiKey);
    const failure = (id: string): Promise<string> =>
      client.getPrompt({ name: "summarize_workspace", arguments: { workspace_id: id } }).then(
        () => "resolved",
        (e: { code?: number; message: string }) => `${e.code} ${e.message.replaceAll(id, "<id>")}`,
      );
    const foreign = await failure(pro.workspaceId);
    expect(foreign).not.toBe("resolved");
    expect(foreign).toBe(await failure(crypto.randomUUID()));
  });
});
