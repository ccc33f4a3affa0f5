import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultHook } from "./faults.ts";
import type { RedisBackend } from "./redis.ts";
import { BadCommand, commandFromJson, commandsFromJson, replyToJson } from "./upstash/json.ts";
import { applyPolicy } from "./upstash/policy.ts";
import { RedisError, type RedisReply } from "./upstash/resp.ts";
import { ScriptRegistry, type PreparedCommand } from "./upstash/scripts.ts";

/** The counters this handler feeds (a slice of the local cloud's Stats). */
interface UpstashStats {
  count(kind: string, n?: number): void;
}

/** Options of {@link createUpstashHandler}. */
interface UpstashHandlerOptions {
  backend: RedisBackend;
  /** The REST token clients must send as `Authorization: Bearer <token>`. */
  token: string;
  stats: UpstashStats;
  /** Injected faults (tests); none by default. */
  faults?: FaultHook;
}

/** Largest request body accepted; Upstash's own limits are of this order. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

type Answer = { status: number; body: unknown };

/**
 * The Upstash REST protocol in front of a Redis backend, as @upstash/redis speaks it: POST `/` (one command as a
 * JSON array), `/pipeline` (commands in order, not atomic) and `/multi-exec` (one MULTI/EXEC).
 * Shapes follow @upstash/redis 1.39's http.ts and pipeline.ts; see local-cloud-protocols.md.
 */
export function createUpstashHandler(
  o: UpstashHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const scripts = new ScriptRegistry(o.backend.shebangs);
  const expectedToken = digest(`Bearer ${o.token}`);
  // The client sends the last `upstash-sync-token` it saw and keeps the one in each reply (read-your-writes across
  // replicas). One local primary is always consistent; a growing counter keeps the header meaningful.
  let syncToken = 0;

  /** The answer to send, or undefined when an injected fault took the connection over. */
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<Answer | undefined> {
    if (req.method !== "POST") return { status: 405, body: { error: "ERR only POST is supported" } };
    // Constant-time comparison of fixed-length digests: the token is a credential.
    if (!timingSafeEqual(digest(req.headers.authorization ?? ""), expectedToken)) {
      return { status: 401, body: { error: "Unauthorized" } };
    }
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "") || "/";
    if (path !== "/" && path !== "/pipeline" && path !== "/multi-exec") {
      return { status: 404, body: { error: `ERR unknown endpoint ${path}` } };
    }
    const body = await readJson(req);
    if (!body.ok) return { status: body.status, body: { error: body.error } };
    const fault = o.faults?.pick(body.text);
    if (fault && !(await fault.apply("request", res))) return undefined;
    const result = await execute(
      path,
      body.value,
      String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64",
    );
    // The commands ran: a fault here loses only the answer.
    if (fault && !(await fault.apply("response", res))) return undefined;
    return result;
  }

  async function execute(path: string, value: unknown, base64: boolean): Promise<Answer> {
    try {
      if (path === "/") return await single(commandFromJson(value), base64);
      if (path === "/pipeline") return await pipeline(commandsFromJson(value), base64);
      return await multiExec(commandsFromJson(value), base64);
    } catch (error) {
      if (error instanceof BadCommand) return { status: 400, body: { error: error.message } };
      throw error;
    }
  }

  function prepare(command: string[]): PreparedCommand | RedisError {
    const allowed = applyPolicy(command);
    return allowed instanceof RedisError ? allowed : scripts.prepare(allowed);
  }

  // Per verb too (`upstash_verb_EVALSHA`, ...), so a count that grew can be told apart.
  function countCommands(commands: string[][]): void {
    o.stats.count("upstash_command", commands.length);
    for (const c of commands) o.stats.count(`upstash_verb_${String(c[0] ?? "").toUpperCase()}`);
  }

  async function single(command: string[], base64: boolean): Promise<Answer> {
    countCommands([command]);
    const prepared = prepare(command);
    const reply =
      prepared instanceof RedisError ? prepared : prepared.fixReply((await o.backend.run([prepared.args]))[0] ?? null);
    return reply instanceof RedisError
      ? { status: 400, body: { error: reply.message } }
      : { status: 200, body: { result: replyToJson(reply, base64) } };
  }

  async function pipeline(commands: string[][], base64: boolean): Promise<Answer> {
    o.stats.count("upstash_pipeline");
    countCommands(commands);
    const prepared = commands.map(prepare);
    const runnable = prepared.filter((p): p is PreparedCommand => !(p instanceof RedisError));
    // Refused commands never reach Redis; skipping them keeps the others in order.
    const replies = await o.backend.run(runnable.map((p) => p.args));
    let next = 0;
    const results = prepared.map((p) => (p instanceof RedisError ? p : p.fixReply(replies[next++] ?? null)));
    return { status: 200, body: results.map((r) => element(r, base64)) };
  }

  async function multiExec(commands: string[][], base64: boolean): Promise<Answer> {
    o.stats.count("upstash_multi_exec");
    countCommands(commands);
    const prepared = commands.map(prepare);
    // A refused command is a queueing error: Redis would discard the whole transaction.
    const refused = prepared.find((p): p is RedisError => p instanceof RedisError);
    if (refused) return { status: 400, body: { error: `EXECABORT Transaction discarded: ${refused.message}` } };
    const runnable = prepared as PreparedCommand[];
    const replies = await o.backend.transaction(runnable.map((p) => p.args));
    if (replies instanceof RedisError) return { status: 400, body: { error: replies.message } };
    return { status: 200, body: replies.map((r, i) => element(runnable[i]!.fixReply(r), base64)) };
  }

  return async (req, res) => {
    o.stats.count("upstash_request");
    let result: Answer | undefined;
    try {
      result = await answer(req, res);
      if (!result) return;
    } catch (error) {
      // The backend itself failed (Redis went away): the client turns any non-2xx JSON body into an UpstashError.
      result = {
        status: 503,
        body: { error: `ERR local Redis backend failed: ${error instanceof Error ? error.message : String(error)}` },
      };
    }
    syncToken += 1;
    res.writeHead(result.status, { "content-type": "application/json", "upstash-sync-token": String(syncToken) });
    res.end(JSON.stringify(result.body));
  };
}

function element(reply: RedisReply, base64: boolean): { result: unknown } | { error: string } {
  return reply instanceof RedisError ? { error: reply.message } : { result: replyToJson(reply, base64) };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

type Body = { ok: true; value: unknown; text: string } | { ok: false; status: number; error: string };

/** Reads and parses the JSON body, refusing bodies over the size cap. */
async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      return { ok: false, status: 413, error: `ERR request body over ${MAX_BODY_BYTES} bytes` };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch {
    return { ok: false, status: 400, error: "ERR request body is not valid JSON" };
  }
}
