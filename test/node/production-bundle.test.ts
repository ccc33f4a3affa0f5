// The deployed Worker carries nothing that only tests need: the conformance suite's fixture tools, resources and
// prompts are built into the conformance entry (src/conformance/worker.ts) alone. Builds the production bundle as
// `wrangler deploy` would upload it and searches it for the fixtures' names. Its esbuild metafile shows what went in,
// and what an isolate's start-up evaluates: the modules the entry reaches by static imports (src/mcp/lanes.ts).
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wranglerOnce } from "../../bench/runner/wrangler.ts";

let dir: string;
let bundle: string;
let meta: Metafile;

/** The esbuild metafile, as far as these tests read it. */
interface Metafile {
  inputs: Record<string, { imports: Array<{ path: string; kind: string }> }>;
  outputs: Record<string, { inputs?: Record<string, { bytesInOutput: number }> }>;
}

/** The inputs that put bytes in the upload (the metafile also lists what tree-shaking dropped). */
function bundled(meta: Metafile): string[] {
  return Object.values(meta.outputs).flatMap((o) =>
    Object.entries(o.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tmcp-bundle-"));
  const metafile = join(dir, "meta.json");
  await wranglerOnce(
    ["deploy", "--dry-run", "--config", "wrangler.toml", "--outdir", join(dir, "dist"), "--metafile", metafile],
    120_000,
  );
  meta = JSON.parse(await readFile(metafile, "utf8")) as Metafile;
  const files = (await readdir(join(dir, "dist"), { recursive: true })).filter((f) => /\.(m?js|cjs)$/.test(f));
  bundle = (await Promise.all(files.map((f) => readFile(join(dir, "dist", f), "utf8")))).join("\n");
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
    const locales = bundled(meta).filter((path) => /node_modules\/zod\/v4\/locales\/[a-z-]+\.js$/.test(path));
    // index.js is the namespace that re-exports them; only the languages count.
    expect(locales.map((path) => path.replace(/.*\/locales\//, "")).filter((f) => f !== "index.js")).toEqual(["en.js"]);
    expect(bundle).not.toMatch(/\\u05[0-9a-f]{2}|\\u04[0-9a-f]{2}/);
  });

  it("leaves Ajv and Upstash's analytics out (stubbed: nothing builds them)", () => {
    const inputs = bundled(meta);
    expect(inputs.filter((path) => /node_modules\/(ajv|ajv-formats|@upstash\/core-analytics)\//.test(path))).toEqual(
      [],
    );
    expect(inputs).toContain("src/shims/ajv.ts");
    expect(inputs).toContain("src/shims/upstash-core-analytics.ts");
  });

  it("evaluates neither SDK, the Neon driver, the OAuth library nor the operator API at start-up", () => {
    const started = staticallyReached(meta, "src/index.ts");
    // The check below would pass on a graph that reached nothing: the always-loaded core is there.
    for (const path of ["src/app.ts", "src/mcp/endpoint.ts", "src/http/guard.ts", "src/auth/authenticate.ts"]) {
      expect(started, path).toContain(path);
    }
    const lazy = [
      /node_modules\/@modelcontextprotocol\//,
      /node_modules\/@neondatabase\//,
      /node_modules\/@cloudflare\/workers-oauth-provider\//,
      /node_modules\/oauth4webapi\//,
      /^src\/mcp\/(session|stateless)-lane\.ts$/,
      /^src\/tools\/registry\.ts$/,
      /^src\/admin\/(api|operations|openapi)\.ts$/,
      /^src\/control\/(tenants|schemas)\.ts$/,
    ];
    expect([...started].filter((path) => lazy.some((re) => re.test(path)))).toEqual([]);
    // ...and each of them is in the bundle, loaded on first use.
    for (const re of lazy)
      expect(
        Object.keys(meta.inputs).some((path) => re.test(path)),
        String(re),
      ).toBe(true);
  });
});

/** The inputs `entry` reaches through static imports: what an isolate evaluates before its first request. */
function staticallyReached(meta: Metafile, entry: string): Set<string> {
  const seen = new Set([entry]);
  const queue = [entry];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    for (const { path: next, kind } of meta.inputs[path]?.imports ?? []) {
      if (kind !== "import-statement" && kind !== "require-call") continue;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}
