import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { GrantStorage } from "../../src/control/types.ts";

const run = promisify(execFile);

/**
 * The Worker's OAUTH_KV namespace as the admin CLI reaches it: through wrangler, which knows the binding from
 * wrangler.toml. `local` is the namespace `npm run dev` (wrangler dev) persists under .wrangler/state; `remote` the
 * deployed one, through the Cloudflare API with wrangler's login or CLOUDFLARE_API_TOKEN. Each call is one wrangler
 * process (a second or so): fine for an operator's command, never on a request path.
 */
export function wranglerGrantStorage(target: "local" | "remote"): GrantStorage {
  const wrangler = async (args: string[]): Promise<string> => {
    const { stdout } = await run("npx", ["wrangler", "kv", "key", ...args, "--binding", "OAUTH_KV", `--${target}`], {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  return {
    async list(prefix) {
      const out = await wrangler(["list", "--prefix", prefix]);
      // wrangler may print a banner before the JSON document.
      return JSON.parse(out.slice(out.indexOf("["))) as { name: string; metadata?: unknown; expiration?: number }[];
    },
    async delete(name) {
      await wrangler(["delete", name]);
    },
  };
}
