/**
 * The MCP Inspector's CLI mode (`npx @modelcontextprotocol/inspector --cli ...`), run as a child process exactly
 * as a developer or a CI job runs it, with a throwaway HOME (it keeps a catalog and secrets under ~/.mcp-inspector).
 */
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The package's `inspector` bin (what npx runs), called with this Node: the Inspector needs Node >= 22.19.
const INSPECTOR = fileURLToPath(
  new URL("../../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js", import.meta.url),
);
const TIMEOUT_MS = 30_000;

/** What a CLI run printed and how it exited. */
export interface InspectorRun {
  code: number;
  /** `--format json`: one JSON document. */
  json: unknown;
  stdout: string;
  stderr: string;
}

let home: Promise<string> | undefined;

/**
 * Runs `inspector --cli <mcpUrl> --transport http --header "Authorization: Bearer <key>" --format json <args>`.
 * `era` is the Inspector's `--protocol-era` (legacy: initialize and sessions; modern: 2026-07-28).
 */
export async function runInspector(
  mcpUrl: string,
  apiKey: string | undefined,
  args: string[],
  era: "legacy" | "modern" = "legacy",
): Promise<InspectorRun> {
  home ??= mkdtemp(join(tmpdir(), "tmcp-inspector-home-"));
  const homeDir = await home;
  const argv = [
    INSPECTOR,
    "--cli",
    mcpUrl,
    "--transport",
    "http",
    "--protocol-era",
    era,
    ...(apiKey ? ["--header", `Authorization: Bearer ${apiKey}`] : []),
    "--format",
    "json",
    ...args,
  ];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      argv,
      { env: { ...process.env, HOME: homeDir, NO_COLOR: "1" }, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let json: unknown;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, json, stdout, stderr });
      },
    );
  });
}
