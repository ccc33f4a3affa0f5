import { RedisError, type RedisReply } from "./resp.ts";

const OK = Buffer.from("OK");

/**
 * A RESP2 reply as Upstash puts it in JSON: integers as numbers, nil as null, arrays nested.
 * With `base64` (the client's default `Upstash-Encoding: base64`) every string is base64 except a top-level "OK":
 * @upstash/redis decodes a top-level string unless it is exactly "OK", and decodes every string inside arrays,
 * so nothing inside an array may stay plain. Each element of a pipeline or transaction answer counts as top level.
 */
export function replyToJson(reply: RedisReply, base64: boolean, topLevel = true): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => replyToJson(item, base64, false));
  // An error nested in an array (from a script or EXEC inside a script) can only travel as its text.
  const bytes = reply instanceof RedisError ? Buffer.from(reply.message) : reply;
  if (!base64) return bytes.toString("utf8");
  return topLevel && bytes.equals(OK) ? "OK" : bytes.toString("base64");
}

/** Why a request body is not a command (or a list of commands). */
export class BadCommand extends Error {
  override name = "BadCommand";
}

/**
 * One command from JSON: a non-empty array. @upstash/redis sends JSON-typed arguments (numbers stay numbers),
 * and Redis takes only strings, so each non-string becomes its JSON text (1.5 -> "1.5", true -> "true").
 */
export function commandFromJson(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new BadCommand("ERR a command must be a non-empty JSON array");
  return value.map((arg: unknown) => (typeof arg === "string" ? arg : (JSON.stringify(arg) ?? "null")));
}

/** A list of commands from JSON (the body of /pipeline and /multi-exec). */
export function commandsFromJson(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadCommand("ERR the body must be a non-empty JSON array of commands");
  }
  return value.map(commandFromJson);
}
