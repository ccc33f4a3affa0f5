// What `tools/list` publishes: lean JSON Schemas (clients pass them to the model with every conversation) that still
// describe what a client needs, while the server's own validation (zod) stays exactly as strict.
import { describe, expect, it } from "vitest";
import { effectiveFeatures, PLANS } from "../../src/tenancy/tenant.ts";
import { ALL_TOOLS, findTool, toolsFor } from "../../src/tools/registry.ts";

/** Every schema node (object) under `value`, with its path. */
function* nodes(value: unknown, path = "$"): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* nodes(v, `${path}[${i}]`);
  } else if (value && typeof value === "object") {
    yield [path, value as Record<string, unknown>];
    for (const [k, v] of Object.entries(value)) yield* nodes(v, `${path}.${k}`);
  }
}

describe("tool listings", () => {
  it("carry no regex where a format says the same, and no default ±2^53-1 integer bounds", () => {
    for (const tool of ALL_TOOLS) {
      for (const [path, node] of nodes({ input: tool.listing.inputSchema, output: tool.listing.outputSchema })) {
        const where = `${tool.name} ${path}`;
        if (typeof node.format === "string") expect(node, where).not.toHaveProperty("pattern");
        expect(node.minimum, where).not.toBe(Number.MIN_SAFE_INTEGER);
        expect(node.maximum, where).not.toBe(Number.MAX_SAFE_INTEGER);
      }
    }
  });

  it("keep the formats and the bounds that mean something", () => {
    const list = findTool("list_documents")!.listing;
    const input = list.inputSchema as { properties: Record<string, Record<string, unknown>> };
    expect(input.properties.workspace_id).toMatchObject({ type: "string", format: "uuid" });
    expect(input.properties.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    const output = JSON.stringify(list.outputSchema);
    expect(output).toContain('"format":"date-time"');
  });

  it("validate as strictly as before: the regexes dropped from the listing still apply to arguments", () => {
    const get = findTool("get_document")!;
    // A string that is no UUID by the regex zod checks, whatever a client-side format check might let through.
    for (const id of ["{00000000-0000-0000-0000-000000000000}", "00000000000000000000000000000000"]) {
      expect(get.parse({ id }).success, id).toBe(false);
    }
    const list = findTool("list_documents")!;
    expect(list.parse({ workspace_id: crypto.randomUUID(), limit: 2 ** 53 }).success).toBe(false);
  });

  it("stay small: the enterprise plan's tools/list is under 14 KB in either lane", () => {
    for (const plan of PLANS) {
      for (const lane of ["session", "stateless"] as const) {
        const bytes = JSON.stringify({ tools: toolsFor(effectiveFeatures(plan, [], []), lane).list }).length;
        // 20.6 KB before the listings were made lean; the bench prints the current figures.
        expect(bytes, `${plan} ${lane}`).toBeLessThan(14 * 1024);
      }
    }
  });
});
