/**
 * A real browser for the console tests: Debian's Chromium (`apt-get install -y chromium`), driven by playwright-core,
 * which never downloads a browser of its own. Headless, with a fresh profile per launch and nothing that reaches out
 * to the internet on its own (no sync, component updates, background networking or QUIC).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where a Chromium may be: `CHROMIUM_PATH` first, then Debian's and other distributions' places. */
const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The Chromium to drive, or null when none is installed. */
export function findChromium(): string | null {
  return CANDIDATES.find((p): p is string => typeof p === "string" && p !== "" && existsSync(p)) ?? null;
}

/** The note a browser test is skipped with where there is no Chromium (CI fails on `skipped: needs ...`). */
export const NO_BROWSER = "needs Chromium: apt-get install -y chromium (or set CHROMIUM_PATH); .ci/run installs it";

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A launched browser with its own fresh profile; `close` also removes the profile. */
export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium at `executablePath` with a fresh user data directory. */
export async function launchChromium(executablePath: string): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "tmcp-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
