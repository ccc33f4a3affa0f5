import { createHash } from "node:crypto";
import type { RedisReply } from "./resp.ts";

/**
 * Flags a Redis 7 script shebang may carry (https://redis.io/docs/latest/develop/programmability/lua-api/#script-flags).
 * Upstash accepts more (@upstash/ratelimit sends `allow-key-locking`), which stock Redis rejects with
 * "Unexpected flag in script shebang".
 */
const REDIS_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

/** SHA-1 in lower-case hex, as Redis names scripts. */
export function sha1(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/**
 * Rewrites a script's first line so the backend accepts it; returns the script unchanged when it already would.
 * With `shebangs` (Redis 7+) a `#!lua` line stays, minus the flags Redis does not know; without (the in-process
 * store, whose Lua has no shebang syntax) the line becomes a comment. Either way the line count stays, so line
 * numbers in Lua errors still match the client's script.
 */
function rewriteScript(script: string, shebangs: boolean): string {
  if (!script.startsWith("#!")) return script;
  const newline = script.indexOf("\n");
  const firstLine = newline === -1 ? script : script.slice(0, newline);
  const rest = newline === -1 ? "" : script.slice(newline);
  if (!shebangs) return `-- ${firstLine.slice(2)}${rest}`;
  const [engine, ...options] = firstLine.slice(2).trim().split(/\s+/);
  if (engine !== "lua") return script; // Redis reports the unknown engine itself.
  let dropped = false;
  const kept = options.map((option) => {
    if (!option.startsWith("flags=")) return option;
    const flags = option
      .slice("flags=".length)
      .split(",")
      .filter((f) => f !== "");
    const known = flags.filter((f) => REDIS_FLAGS.has(f));
    if (known.length !== flags.length) dropped = true;
    return known.length === 0 ? "" : `flags=${known.join(",")}`;
  });
  if (!dropped) return script;
  return ["#!lua", ...kept.filter((o) => o !== "")].join(" ") + rest;
}

/** A command ready for the backend, and how to turn the backend's reply back into what the client expects. */
export interface PreparedCommand {
  args: string[];
  fixReply: (reply: RedisReply) => RedisReply;
}

const unchanged = (reply: RedisReply): RedisReply => reply;

/**
 * Keeps script hashes coherent when scripts are rewritten on the way to Redis. Clients name a script by the SHA-1
 * of the text they know (@upstash/ratelimit hard-codes it); Redis names it by the rewritten text. Every rewrite
 * records client sha -> Redis sha, and EVALSHA, SCRIPT EXISTS and SCRIPT LOAD translate through that map.
 * The map only ever points at where a script would be: whether it is loaded is Redis's business, so after
 * SCRIPT FLUSH (or a Redis restart) EVALSHA still answers NOSCRIPT and the client falls back to EVAL, which
 * loads the rewritten script again.
 */
export class ScriptRegistry {
  private readonly shebangs: boolean;
  private readonly aliases = new Map<string, string>();

  /** @param shebangs whether the backend's Lua accepts a `#!lua` first line (Redis 7+). */
  constructor(shebangs: boolean) {
    this.shebangs = shebangs;
  }

  /** Rewrites EVAL, EVALSHA (and their _RO forms) and SCRIPT LOAD/EXISTS; other commands pass unchanged. */
  prepare(args: readonly string[]): PreparedCommand {
    const verb = (args[0] ?? "").toUpperCase();
    const copy = [...args];
    if ((verb === "EVAL" || verb === "EVAL_RO") && copy[1] !== undefined) {
      copy[1] = this.rewrite(copy[1]);
    } else if ((verb === "EVALSHA" || verb === "EVALSHA_RO") && copy[1] !== undefined) {
      copy[1] = this.resolve(copy[1]);
    } else if (verb === "SCRIPT") {
      const sub = (copy[1] ?? "").toUpperCase();
      if (sub === "LOAD" && copy[2] !== undefined) {
        // Redis answers with the sha of what it loaded; the client expects the sha of what it sent.
        const clientSha = sha1(copy[2]);
        copy[2] = this.rewrite(copy[2]);
        return { args: copy, fixReply: (reply) => (Buffer.isBuffer(reply) ? Buffer.from(clientSha) : reply) };
      }
      if (sub === "EXISTS") {
        for (let i = 2; i < copy.length; i++) copy[i] = this.resolve(copy[i]!);
      }
    }
    return { args: copy, fixReply: unchanged };
  }

  private rewrite(script: string): string {
    const rewritten = rewriteScript(script, this.shebangs);
    if (rewritten !== script) this.aliases.set(sha1(script), sha1(rewritten));
    return rewritten;
  }

  private resolve(sha: string): string {
    return this.aliases.get(sha.toLowerCase()) ?? sha;
  }
}
