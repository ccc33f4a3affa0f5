import { readFile } from "node:fs/promises";
import { Redis } from "@upstash/redis";
import { parseShardList } from "../../src/redis/shards.ts";
import { AdminError, usageError } from "./admin-error.ts";
import { required, type Command } from "./command.ts";
import { reshard } from "./reshard.ts";

/** The `redis ...` commands: the Worker's Redis shards. */
export const REDIS_COMMANDS: Command[] = [
  {
    words: ["redis", "reshard"],
    args: [],
    options: { to: { type: "string" }, finish: { type: "boolean" } },
    summary: "move per-tenant Redis state to a new shard list (UPSTASH_SHARDS), in two passes around the deploy",
    synopsis: "--to <json|file> [--finish]",
    details: `The current list is the connection's (UPSTASH_SHARDS, or the single database); --to is the new one, as JSON or a
file holding it. Only append shards to the list: a tenant then moves only to a new shard, never between old ones.

  1. redis reshard --to new.json            copy: every key of a tenant whose shard changes is copied, with its TTL
  2. deploy the Worker with UPSTASH_SHARDS = new.json, and wait a minute for every isolate to run it
  3. redis reshard --to new.json --finish   merge what changed on the old shards since the copy (sessions, counters:
                                            what was counted there is added), move audit queues, delete the old keys

Run 3 with the OLD list as the connection's (UPSTASH_SHARDS unchanged in the CLI's environment). Between 2 and 3 a
tenant can exceed its rate limit by at most one window (its counts are split between the old shard and the new).
Caches are not copied (they refill from Postgres).
JSON: {"pass", "scanned", "moved", "deleted", "grants", "kept", "unknown"}`,
    async run(deps, _args, values, io) {
      const raw = required(values, "to");
      const text = raw.trim().startsWith("[") ? raw : await readFile(raw, "utf8").catch(() => null);
      if (text === null) throw usageError(`--to: no such file, and not a JSON list: ${raw}`);
      let to;
      try {
        to = parseShardList(text, "--to");
      } catch (err) {
        throw usageError((err as Error).message);
      }
      const from = deps.redisEndpoints;
      if (!from) throw new AdminError("the connection's shard list is unknown");
      const lost = from.filter((f) => !to.some((t) => t.url === f.url));
      if (lost.length && values.finish !== true)
        io.progress(`note: ${lost.length} shard(s) of the current list are not in the new one; their tenants all move`);
      const report = await reshard({
        from,
        to,
        pass: values.finish === true ? "finish" : "copy",
        connect: (e) =>
          new Redis({
            url: e.url,
            token: e.token,
            automaticDeserialization: false,
            retry: { retries: 2, backoff: () => 200 },
            enableTelemetry: false,
          }),
      });
      const unknown = report.unknown.length
        ? `\n${report.unknown.length} key(s) of no known family left in place, e.g. ${report.unknown[0]}`
        : "";
      return {
        json: report,
        human:
          `${report.pass}: ${report.scanned} keys read, ${report.moved} moved, ${report.deleted} deleted from old shards, ` +
          `${report.grants} grant revocations copied, ${report.kept} left (caches, or already on their shard)${unknown}`,
      };
    },
  },
];
