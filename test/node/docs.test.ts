// The docs cannot rot: every relative link and anchor resolves, every `npm run` names a script, every shell block is
// valid shell, every command line of a shell block is classified (doc-commands.ts): the safe ones are run for real
// against a throwaway database and must exit 0, the others at least parse (admin command lines in the CLI, with
// --help). Every script of ours answers `--help`, and the README stays short enough to read in five minutes.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";
import { cloudLacks } from "../support/servers.ts";
import { classify } from "./doc-commands.ts";
import { DOCS, ROOT, type ShellCommand, shellBlocks, shellCommands, split, words } from "./doc-shell.ts";
import { DocStack } from "./doc-stack.ts";

const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;
const run = promisify(execFile);

/** GitHub's anchors of a file's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of split(file).prose.split("\n")) {
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (!h) continue;
    const text = (h[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const base = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every command line of every doc's shell blocks, with its class. */
const LINES = DOCS.flatMap(shellCommands).map((c) => ({ ...c, as: classify(c.text) }));
const RUN = LINES.filter((l) => l.as?.class === "run");
const where = (c: ShellCommand): string => `${c.file}:${c.line}`;

describe("docs", () => {
  it("README.md is at most 10 KiB", () => {
    expect(readFileSync(join(ROOT, "README.md")).byteLength).toBeLessThanOrEqual(10 * 1024);
  });

  it("every relative link names a file that exists, and every anchor a heading in it", () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      for (const [, target] of split(file).prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target as string)) continue;
        const [path, anchor] = (target as string).split("#") as [string, string | undefined];
        const to = path ? relative(ROOT, resolve(dirname(join(ROOT, file)), path)) : file;
        if (!existsSync(join(ROOT, to))) broken.push(`${file}: ${target} (no file ${to})`);
        else if (anchor && to.endsWith(".md") && !anchors(to).has(anchor))
          broken.push(`${file}: ${target} (no heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every `npm run` in the docs names a script of package.json", () => {
    const unknown = new Set<string>();
    for (const file of DOCS) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const [, name] of text.matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)) {
        if (!((name as string) in SCRIPTS)) unknown.add(`${file}: npm run ${name}`);
      }
    }
    expect([...unknown]).toEqual([]);
  });

  it("every shell block is valid shell (bash -n), its <placeholders> read as words", async () => {
    const invalid: string[] = [];
    for (const file of DOCS) {
      for (const block of shellBlocks(file)) {
        await run("bash", ["-n", "-c", block.code.replace(/<[a-z][^<>\n]*>/gi, "placeholder")]).catch(
          (err: { stderr?: string }) => invalid.push(`${file}:${block.line}: ${err.stderr?.trim()}`),
        );
      }
    }
    expect(invalid).toEqual([]);
  });

  it("every command line of a shell block is classified: run for real, or only parsed, and why", async ({
    annotate,
  }) => {
    const unclassified = LINES.filter((l) => !l.as).map((l) => `${where(l)}: ${l.text}`);
    expect(unclassified, "add a rule to RULES in test/node/doc-commands.ts").toEqual([]);
    expect(RUN.length).toBeGreaterThan(40);
    await annotate(`docs: ${RUN.length} shell lines run, ${LINES.length - RUN.length} only parsed`, "summary");
  });

  it("every admin command line in a shell block names a command and options the CLI knows", async () => {
    const lines = LINES.flatMap((c) =>
      [...c.text.matchAll(/npm run (?:-s )?admin -- (.*)/g)].map((m) => ({ c, args: words(m[1] as string) })),
    );
    expect(lines.length).toBeGreaterThan(20);
    const refused: string[] = [];
    for (const { c, args } of lines) {
      let err = "";
      const io = { env: {}, stdout: () => {}, stderr: (t: string) => void (err += t) };
      // --help parses the whole line with the command's own options, then prints its help: nothing connects.
      const code = await runAdmin([...args, "--help"], io);
      if (code !== 0) refused.push(`${where(c)}: admin -- ${args.join(" ")}: ${err.trim()}`);
    }
    expect(refused).toEqual([]);
  });

  it("every script of ours that the docs show answers --help", async () => {
    const shown = new Set<string>();
    for (const file of DOCS) {
      for (const [, name] of readFileSync(join(ROOT, file), "utf8").matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)) {
        if (/^node (scripts|local-cloud)\//.test(SCRIPTS[name as string] ?? "")) shown.add(name as string);
      }
    }
    expect(shown.size).toBeGreaterThanOrEqual(5);
    for (const name of shown) {
      const [, entry] = (SCRIPTS[name] as string).split(" ");
      const { stdout } = await run(process.execPath, [entry as string, "--help"], { cwd: ROOT, timeout: 20_000 });
      expect(stdout, name).toMatch(/Usage|usage/);
    }
  }, 60_000);
});

// The lines classified `run`, in the docs' order, against a database made for this file (test/node/doc-stack.ts).
describe("docs: the commands run", () => {
  const cloud = inject("cloud");
  // The throwaway database is a second database on the server, which the embedded engine cannot serve.
  const lacks = cloudLacks(cloud, "postgres");
  let stack: DocStack | undefined;
  beforeAll(async () => {
    if (!lacks) stack = await DocStack.open(cloud);
  }, 60_000);
  afterAll(async () => {
    await stack?.drop();
  });

  for (const line of RUN) {
    it(`${where(line)}: ${line.text}`, async (ctx) => {
      if (lacks) ctx.skip(lacks);
      const outcome = await (stack as DocStack).run(line.text);
      expect(outcome.code, `${outcome.stderr}${outcome.stdout}`.trim()).toBe(0);
    }, 60_000);
  }
});
