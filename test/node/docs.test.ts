// The docs cannot rot: every relative link and anchor resolves, every `npm run` names a script, every admin command
// line shown in a shell block parses (command words and options) in the CLI, and every script of ours answers
// `--help`. The README stays short enough to read in five minutes.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = [
  "README.md",
  "CONTRIBUTING.md",
  "BENCHMARKS.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;

/** The text of a Markdown file outside fenced code blocks, and its fenced blocks with their language. */
function split(file: string): { prose: string; blocks: Array<{ lang: string; code: string }> } {
  const prose: string[] = [];
  const blocks: Array<{ lang: string; code: string }> = [];
  let open: { lang: string; lines: string[] } | null = null;
  for (const line of readFileSync(join(ROOT, file), "utf8").split("\n")) {
    const fence = /^\s*```(\S*)/.exec(line);
    if (fence && !open) open = { lang: fence[1] ?? "", lines: [] };
    else if (fence && open) {
      blocks.push({ lang: open.lang, code: open.lines.join("\n") });
      open = null;
    } else if (open) open.lines.push(line.replace(/^ {2,4}/, ""));
    else prose.push(line);
  }
  return { prose: prose.join("\n"), blocks };
}

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

/** Shell lines of a file's sh blocks, continuation lines joined. */
function shellLines(file: string): string[] {
  return split(file)
    .blocks.filter((b) => b.lang === "sh" || b.lang === "bash" || b.lang === "shell")
    .flatMap((b) => b.code.replace(/\\\n\s*/g, " ").split("\n"));
}

/** Words of a shell command line up to its first operator or comment; quotes removed, variables made plain words. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|([|;&)#>]|\$\()|([^\s"'|;&)#>]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[3] !== undefined) break;
    out.push((m[1] ?? m[2] ?? m[4] ?? "").replace(/\$\{?\w+\}?/g, "value"));
  }
  return out;
}

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

  it("every admin command line in a shell block names a command and options the CLI knows", async () => {
    const lines = DOCS.flatMap((file) =>
      shellLines(file).flatMap((line) =>
        [...line.matchAll(/npm run (?:-s )?admin -- (.*)/g)].map((m) => ({ file, args: words(m[1] as string) })),
      ),
    );
    expect(lines.length).toBeGreaterThan(20);
    const refused: string[] = [];
    for (const { file, args } of lines) {
      let err = "";
      const io = { env: {}, stdout: () => {}, stderr: (t: string) => void (err += t) };
      // --help parses the whole line with the command's own options, then prints its help: nothing connects.
      const code = await runAdmin([...args, "--help"], io);
      if (code !== 0) refused.push(`${file}: admin -- ${args.join(" ")}: ${err.trim()}`);
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
    const run = promisify(execFile);
    for (const name of shown) {
      const [, entry] = (SCRIPTS[name] as string).split(" ");
      const { stdout } = await run(process.execPath, [entry as string, "--help"], { cwd: ROOT, timeout: 20_000 });
      expect(stdout, name).toMatch(/Usage|usage/);
    }
  }, 60_000);
});
