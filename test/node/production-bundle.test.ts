// The deployed Worker carries nothing that only tests need: the conformance suite's fixture tools, resources and
// prompts are built into the conformance entry (src/conformance/worker.ts) alone. Builds the production bundle as
// `wrangler deploy` would upload it and searches it for the fixtures' names.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wranglerOnce } from "../../bench/runner/wrangler.ts";

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tmcp-bundle-"));
  await wranglerOnce(["deploy", "--dry-run", "--config", "wrangler.toml", "--outdir", dir], 120_000);
  const files = (await readdir(dir, { recursive: true })).filter((f) => /\.(m?js|cjs)$/.test(f));
  bundle = (await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")))).join("\n");
}, 150_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the production bundle", () => {
  it("holds the product's tools", () => {
    // The search below would pass on an empty bundle; this shows it searches the real one.
    for (const name of ["list_workspaces", "search_documents", "summarize_workspace"]) expect(bundle).toContain(name);
  });

  it("holds none of the conformance fixtures", () => {
    for (const name of [
      "test_simple_text",
      "test_image_content",
      "test_tool_with_progress",
      "test_input_required_result_multi_round",
      "test://static-text",
      "test_prompt_with_arguments",
    ]) {
      expect(bundle, name).not.toContain(name);
    }
  });

  it("holds zod's English messages only", () => {
    // One named import of zod's `z` namespace keeps all of it, each of its 60 locales included (75 KiB gzip): every
    // source file imports `* as z`, which lets the bundler keep only what is used (the escapes below are Hebrew, Cyrillic).
    expect(bundle).toContain("node_modules/zod/v4/locales/en.js");
    expect(bundle.match(/node_modules\/zod\/v4\/locales\/[a-z-]+\.js/g) ?? []).toEqual([
      "node_modules/zod/v4/locales/en.js",
    ]);
    expect(bundle).not.toMatch(/\\u05[0-9a-f]{2}|\\u04[0-9a-f]{2}/);
  });
});
