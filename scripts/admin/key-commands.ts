import { usageError } from "./admin-error.ts";
import { parseDuration } from "./duration.ts";
import { createKey, listKeys, resolveKeyId, revokeKey, rotateKey } from "../../src/control/keys.ts";
import { usage, usageByUser } from "../../src/control/usage.ts";
import type { KeyView } from "../../src/control/types.ts";
import { optional, type Command } from "./command.ts";
import { fields, minute, table, when, type Output } from "./output.ts";

/** When a key stops working: its expiry, or the end of its rotation grace period, whichever is first. */
function validUntil(k: KeyView): string | null {
  const ends = [k.expiresAt, k.status === "rotating" ? k.revokedAt : null]
    .filter((t): t is string => t !== null)
    .sort();
  return ends[0] ?? null;
}

function keyOutput(k: KeyView): Output {
  return {
    json: { key: k },
    human: fields([
      ["key id", k.id],
      ["name", k.name ?? "-"],
      ["scopes", k.scopes.join(" ")],
      ["status", k.status],
      ["created", when(k.createdAt)],
      ["last used", minute(k.lastUsedAt)],
      ["expires", when(k.expiresAt)],
      ["revoked", when(k.revokedAt)],
    ]),
  };
}

/** The `key ...` commands and `usage`. */
export const KEY_COMMANDS: Command[] = [
  {
    words: ["key", "create"],
    args: ["slug"],
    options: { name: { type: "string" }, "expires-in": { type: "string" }, scopes: { type: "string" } },
    summary: "create an API key for a tenant",
    synopsis: "<slug> [--name <label>] [--expires-in <90d|12h|...>] [--scopes <mcp:read,mcp:write>]",
    details: `Prints the key once: it is not stored and cannot be shown again.

  --name <label>        a label to tell keys apart (no control characters)
  --expires-in <time>   lifetime: s, m, h, d or w units, e.g. 90d, 12h, 1h30m, at most 36500d (default: never
                        expires)
  --scopes <list>       what the key may do, comma- or space-separated: mcp:read (list, read, call read-only
                        tools), mcp:write (also call tools that change data; implies mcp:read). Default: both.
                        A read-only key: --scopes mcp:read
JSON: {"keyId": "...", "apiKey": "tmcp_..."}`,
    async run(deps, [slug], values) {
      const expires = optional(values, "expires-in");
      const scopes = optional(values, "scopes");
      const key = await createKey(deps, slug as string, {
        name: optional(values, "name"),
        expiresInSeconds: expires === undefined ? undefined : parseDuration(expires, "--expires-in"),
        ...(scopes === undefined ? {} : { scopes: scopes.split(/[\s,]+/).filter(Boolean) }),
      });
      return {
        audit: { target: key.keyId },
        json: { keyId: key.keyId, apiKey: key.apiKey },
        human: `${fields([
          ["key id", key.keyId],
          ["api key", key.apiKey],
          ["scopes", key.scopes.join(" ")],
          ["expires", when(key.expiresAt)],
        ])}\n\nThe API key is shown only now: store it.`,
      };
    },
  },
  {
    words: ["key", "list"],
    args: ["slug"],
    options: {},
    summary: "list a tenant's keys (never the secrets)",
    synopsis: "<slug>",
    details: `Status: active, rotating (replaced; works until the end of its grace period), revoked or expired.
"last used" is the last tool call, to the minute: the Worker records it at most once a minute per key, so the
last call may be up to a minute later; "-" if the key never made one. --json gives the recorded time exactly.
JSON: {"keys": [{"id", "name", "scopes", "status", "createdAt", "lastUsedAt", "expiresAt", "revokedAt"}]}`,
    async run(deps, [slug]) {
      const keys = await listKeys(deps, slug as string);
      const rows = keys.map((k) => [
        k.id,
        k.name ?? "-",
        k.scopes.join(" "),
        k.status,
        when(k.createdAt),
        minute(k.lastUsedAt),
        when(validUntil(k)),
      ]);
      return {
        json: { keys },
        human: keys.length
          ? table(["id", "name", "scopes", "status", "created", "last used", "expires"], rows)
          : "no keys",
      };
    },
  },
  {
    words: ["key", "revoke"],
    args: ["key id"],
    options: {},
    summary: "revoke a key now",
    synopsis: "<key id>",
    details: `The key's next request gets 401, also inside an open session. The key id is the part between "tmcp_" and
the second "_" of the key, as \`key list\` shows it; the whole key works too (only its id is used, and the secret is
never printed).
JSON: {"key": {...}}`,
    async run(deps, [keyId]) {
      const { key, tenantId } = await revokeKey(deps, resolveKeyId(keyId as string));
      return { ...keyOutput(key), audit: { tenantId } };
    },
  },
  {
    words: ["key", "rotate"],
    args: ["key id"],
    options: { grace: { type: "string" }, "expires-in": { type: "string" } },
    summary: "replace a key; the old one works until the grace period ends",
    synopsis: "<key id> [--grace <24h>] [--expires-in <90d>]",
    details: `Makes a new key with the same label and scopes and prints it once. The old key keeps working for the grace period, then
gets 401. <key id> may also be the whole old key (only its id is used, and the secret is never printed).

  --grace <time>        how long the old key keeps working (default 24h; 0 ends it now; at most 36500d)
  --expires-in <time>   lifetime of the new key (default: the old key's lifetime, or never if it had none; at most
                        36500d)
JSON: {"keyId": "...", "apiKey": "tmcp_...", "previous": {...}}`,
    async run(deps, [keyId], values) {
      const expires = optional(values, "expires-in");
      const rotated = await rotateKey(deps, resolveKeyId(keyId as string), {
        graceSeconds: parseDuration(optional(values, "grace") ?? "24h", "--grace", { allowZero: true }),
        expiresInSeconds: expires === undefined ? undefined : parseDuration(expires, "--expires-in"),
      });
      return {
        audit: { tenantId: rotated.tenantId },
        json: { keyId: rotated.keyId, apiKey: rotated.apiKey, previous: rotated.previous },
        human:
          fields([
            ["key id", rotated.keyId],
            ["api key", rotated.apiKey],
            ["expires", when(rotated.expiresAt)],
            ["old key", rotated.previous.id],
            ["old key works until", when(rotated.previous.revokedAt)],
          ]) + "\n\nThe API key is shown only now: store it.",
      };
    },
  },
  {
    words: ["usage"],
    args: ["slug"],
    options: { since: { type: "string" }, by: { type: "string" } },
    summary: "tool calls per tool (or per user): outcomes, unanswered questions, p50 and p95 duration",
    synopsis: "<slug> [--since <7d>] [--by tool|user]",
    details: `Reads the audit log (one row per tools/call round trip). A call counts once, with what the client saw:
ok (a result), tool errors (a result with isError), protocol errors (a JSON-RPC error instead of a result, e.g.
unknown tool, invalid params, missing client capability). A call that asked the user for input (2026-07-28) counts
when the answer comes back, with the outcome of that last round trip; one still waiting is "unanswered", not a call.
Durations are the server's time on the last round trip.

  --since <time>        how far back, e.g. 7d, 24h, at most 36500d (default 7d)
  --by user             per user instead: an OAuth sign-in's subject, or key:<key id> for an API key
                        (JSON: {"tenant", "users": [{"user", "calls", "errors"}]})
JSON: {"tenant", "since", "tools": [{"tool", "calls", "ok", "toolErrors", "protocolErrors", "errors", "unanswered",
"p50Ms", "p95Ms"}], "total": {...}}; calls = ok + toolErrors + protocolErrors, errors = toolErrors + protocolErrors`,
    async run(deps, [slug], values) {
      const since = parseDuration(optional(values, "since") ?? "7d", "--since");
      const by = optional(values, "by") ?? "tool";
      if (by !== "tool" && by !== "user") throw usageError('--by must be "tool" or "user"');
      if (by === "user") {
        const users = await usageByUser(deps, slug as string, since);
        const rows = users.map((u) => [u.user, String(u.calls), String(u.errors)]);
        return {
          json: { tenant: slug, users },
          human: rows.length ? table(["user", "calls", "errors"], rows) : "no tool calls",
        };
      }
      const report = await usage(deps, slug as string, since);
      const ms = (v: number | null): string => (v === null ? "-" : String(v));
      const row = (u: (typeof report.tools)[number]): string[] => [
        u.tool,
        ...[u.calls, u.ok, u.toolErrors, u.protocolErrors, u.unanswered].map(String),
        ms(u.p50Ms),
        ms(u.p95Ms),
      ];
      const headers = ["tool", "calls", "ok", "tool errors", "protocol errors", "unanswered", "p50 ms", "p95 ms"];
      const body = report.tools.length
        ? table(headers, [...report.tools.map(row), row({ ...report.total, tool: "(all)" })])
        : "no tool calls";
      return { json: report, human: `tool calls of ${report.tenant} since ${when(report.since)}\n\n${body}` };
    },
  },
];
