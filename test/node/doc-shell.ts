// Reading the docs as the doc test sees them: which files, their prose and fenced blocks, and the shell commands of
// their sh blocks with the line each starts on.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository's root. */
export const ROOT = resolve(import.meta.dirname, "../..");

/** Every Markdown file for readers: the three at the root and docs/*.md. */
export const DOCS: readonly string[] = [
  "README.md",
  "CONTRIBUTING.md",
  "BENCHMARKS.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

/** A fenced block: its language, its text (list indentation removed) and the file line of its first code line. */
export interface Block {
  lang: string;
  code: string;
  line: number;
}

/** The text of a Markdown file outside fenced code blocks, and its fenced blocks. */
export function split(file: string): { prose: string; blocks: Block[] } {
  const prose: string[] = [];
  const blocks: Block[] = [];
  let open: { lang: string; lines: string[]; line: number } | null = null;
  readFileSync(join(ROOT, file), "utf8")
    .split("\n")
    .forEach((line, i) => {
      const fence = /^\s*```(\S*)/.exec(line);
      if (fence && !open) open = { lang: fence[1] ?? "", lines: [], line: i + 2 };
      else if (fence && open) {
        blocks.push({ lang: open.lang, code: open.lines.join("\n"), line: open.line });
        open = null;
      } else if (open) open.lines.push(line.replace(/^ {2,4}/, ""));
      else prose.push(line);
    });
  return { prose: prose.join("\n"), blocks };
}

/** The blocks a reader would paste into a shell. */
export function shellBlocks(file: string): Block[] {
  return split(file).blocks.filter((b) => b.lang === "sh" || b.lang === "bash" || b.lang === "shell");
}

/** One command line of a shell block. */
export interface ShellCommand {
  file: string;
  /** The file line it starts on. */
  line: number;
  /** The line, continuation lines joined, surrounding blanks trimmed. */
  text: string;
}

/**
 * The command lines of a file's shell blocks: continuation lines (`\`) joined, blank and comment-only lines left out,
 * and a here-document's body (up to its delimiter) taken as part of the line that opens it, not as lines of its own.
 */
export function shellCommands(file: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  for (const block of shellBlocks(file)) {
    const lines = block.code.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const start = i;
      let text = lines[i] as string;
      while (text.endsWith("\\") && i + 1 < lines.length)
        text = `${text.slice(0, -1)} ${(lines[++i] as string).trim()}`;
      const heredoc = /<<-?\s*'?(\w+)'?/.exec(text);
      if (heredoc) while (i + 1 < lines.length && (lines[++i] as string).trim() !== heredoc[1]);
      if (text.trim() && !text.trim().startsWith("#")) out.push({ file, line: block.line + start, text: text.trim() });
    }
  }
  return out;
}

/** Words of a shell command line up to its first operator or comment; quotes removed, variables made plain words. */
export function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|([|;&)#>]|\$\()|([^\s"'|;&)#>]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[3] !== undefined) break;
    out.push((m[1] ?? m[2] ?? m[4] ?? "").replace(/\$\{?\w+\}?/g, "value"));
  }
  return out;
}
