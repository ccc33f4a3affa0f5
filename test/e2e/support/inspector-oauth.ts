/**
 * The MCP Inspector's CLI signing in with OAuth, headless: it is run without an API key, finds the server's
 * authorization server itself (401 challenge, protected resource metadata), registers or uses its Client ID Metadata
 * Document, listens on its loopback `--callback-url`, and prints `Please navigate to: <url>` on stderr. The test plays
 * the person's browser at that URL (sign-in page, form, redirect to the Inspector's listener), and the Inspector then
 * finishes the call it was asked for.
 */
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../scripts/lib/wrangler-dev.ts";
import type { InspectorRun } from "./inspector.ts";
import { approveSignIn, type SignIn } from "./oauth-client.ts";

const INSPECTOR = fileURLToPath(
  new URL("../../../node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js", import.meta.url),
);
const TIMEOUT_MS = 45_000;
const PROMPT = /Please navigate to: (\S+)/;
/**
 * The Inspector signs in interactively only when a person seems present (stdin or stderr a terminal) or when told to
 * open a browser itself (MCP_AUTO_OPEN_ENABLED=true, which on a desktop would really open one). This preload makes
 * stdin look like a terminal, nothing else: stdin still reads nothing, stderr stays a pipe (plain text, no links),
 * and MCP_AUTO_OPEN_ENABLED=false keeps it from opening a browser. The test is the person's browser.
 */
const PERSON_PRESENT = 'data:text/javascript,Object.defineProperty(process.stdin,"isTTY",{value:true})';

/** What the browser part saw, besides the Inspector's own output. */
export interface InspectorOAuthRun extends InspectorRun {
  /** The `/authorize` URL the Inspector printed (undefined if it never asked). */
  authorizationUrl?: URL;
  /** The sign-in page's HTML. */
  page?: string;
}

/**
 * Runs `inspector --cli <mcpUrl> --transport http --protocol-era <era> --callback-url <loopback> --format json <args>`
 * with a fresh HOME (so no stored sign-in), signing `signIn` in when it prints the authorization URL.
 */
export async function runInspectorWithOAuth(
  mcpUrl: string,
  signIn: SignIn,
  args: string[],
  era: "legacy" | "modern" = "legacy",
): Promise<InspectorOAuthRun> {
  const home = await mkdtemp(join(tmpdir(), "tmcp-inspector-oauth-"));
  const callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;
  const argv = [`--import=${PERSON_PRESENT}`, INSPECTOR, "--cli", mcpUrl, "--transport", "http", "--protocol-era", era];
  argv.push("--callback-url", callbackUrl, "--format", "json", ...args);
  // MCP_AUTO_OPEN_ENABLED=false: print the URL, never try to open a browser.
  const env = { ...process.env, HOME: home, NO_COLOR: "1", MCP_AUTO_OPEN_ENABLED: "false" };
  const child = spawn(process.execPath, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const out: InspectorOAuthRun = { code: 1, json: undefined, stdout: "", stderr: "" };
  let browser: Promise<void> = Promise.resolve();
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr += `${line}\n`;
    const match = PROMPT.exec(line);
    if (!match?.[1] || out.authorizationUrl) return;
    const url = new URL(match[1]);
    out.authorizationUrl = url;
    browser = (async () => {
      const { page, location } = await approveSignIn(url, signIn);
      out.page = page;
      // The browser lands on the Inspector's listener, which takes the code from there.
      await (await fetch(location)).arrayBuffer();
    })().catch((err: Error) => {
      stderr += `[test browser] ${err.message}\n`;
    });
  });
  const code = await new Promise<number>((resolve) => child.once("close", (c) => resolve(c ?? 1)));
  clearTimeout(timer);
  await browser;
  out.code = code;
  out.stdout = stdout;
  out.stderr = stderr;
  try {
    out.json = JSON.parse(stdout);
  } catch {
    out.json = undefined;
  }
  return out;
}
