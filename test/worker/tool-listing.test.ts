// What `tools/list` publishes: lean JSON Schemas (clients pass them to the model with every conversation) that still
// describe what a client needs, while the server's own validation (zod) stays exactly as strict; output schemas only
// with the `output_schemas` feature; and all of it computed on first use, not when the tool modules load.
import * as z from "zod";
import { describe, expect, it } from "vitest";
import { effectiveFeatures, PLANS, type Plan } from "../../src/tenancy/tenant.ts";
import { defineTool } from "../../src/tools/define.ts";
import { ALL_TOOLS, findTool, toolsFor } from "../../src/tools/registry.ts";
import type { Lane } from "../../src/tools/types.ts";

const LANES = ["session", "stateless"] as const;

/** Bytes of a plan's `tools/list` result in a lane, as the Worker serves it (optionally with feature additions). */
function listingBytes(plan: Plan, lane: Lane, add: string[] = []): number {
  return JSON.stringify({ tools: toolsFor(effectiveFeatures(plan, add, []), lane).list }).length;
}

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
      const { inputSchema, outputSchema } = tool.listing(true);
      for (const [path, node] of nodes({ input: inputSchema, output: outputSchema })) {
        const where = `${tool.name} ${path}`;
        if (typeof node.format === "string") expect(node, where).not.toHaveProperty("pattern");
        expect(node.minimum, where).not.toBe(Number.MIN_SAFE_INTEGER);
        expect(node.maximum, where).not.toBe(Number.MAX_SAFE_INTEGER);
      }
    }
  });

  it("keep the formats and the bounds that mean something", () => {
    const list = findTool("list_documents")!.listing(true);
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

  it("stay small: the enterprise plan's tools/list is at most 8 KB in either lane", () => {
    for (const plan of PLANS) {
      for (const lane of LANES) {
        // 14.1 KB while every listing carried its output schema (and annotations.title, a copy of title); the bench
        // prints the current figures (bench/runner/listing.ts).
        expect(listingBytes(plan, lane), `${plan} ${lane}`).toBeLessThanOrEqual(8192);
      }
    }
  });

  it("publish outputSchema only with the output_schemas feature", () => {
    for (const plan of PLANS) {
      for (const lane of LANES) {
        const plain = toolsFor(effectiveFeatures(plan, [], []), lane).list;
        for (const entry of plain) expect(entry, `${plan} ${lane} ${entry.name}`).not.toHaveProperty("outputSchema");
        const typed = toolsFor(effectiveFeatures(plan, ["output_schemas"], []), lane).list;
        expect(typed.map((t) => t.name)).toEqual(plain.map((t) => t.name));
        for (const entry of typed) {
          expect(entry.outputSchema?.type, `${plan} ${lane} ${entry.name}`).toBe("object");
          // Nothing else differs: the same input schema object, the same annotations.
          const other = plain.find((t) => t.name === entry.name)!;
          expect({ ...entry, outputSchema: undefined }).toEqual({ ...other, outputSchema: undefined });
          expect(entry.inputSchema).toBe(other.inputSchema);
        }
        expect(listingBytes(plan, lane, ["output_schemas"])).toBeGreaterThan(listingBytes(plan, lane));
      }
    }
  });

  it("carry the title once, at the top level, not again in the annotations", () => {
    for (const tool of ALL_TOOLS) {
      for (const listing of [tool.listing(false), tool.listing(true)]) {
        expect(listing.title, tool.name).toEqual(expect.any(String));
        expect(listing.annotations, tool.name).not.toHaveProperty("title");
      }
    }
  });

  it("are computed on first use, once: the same frozen object on every later call", () => {
    // A schema zod cannot turn into JSON Schema: defining the tool must not try, only listing it.
    const tool = defineTool({
      name: "lazy_probe",
      title: "Lazy probe",
      description: "Never listed.",
      feature: "core",
      input: z.object({ x: z.custom<string>() }),
      output: z.object({ y: z.string() }),
      annotations: {},
      handler: async () => ({ content: [] }),
    });
    expect(() => tool.listing(false)).toThrow();
    for (const tool of [findTool("list_documents")!, findTool("workspace_stats")!]) {
      for (const withOutputSchema of [false, true]) {
        const first = tool.listing(withOutputSchema);
        expect(tool.listing(withOutputSchema)).toBe(first);
        expect(Object.isFrozen(first)).toBe(true);
      }
    }
  });
});
