import type { Credential } from "../auth/principal.ts";
import type { Tool, ToolContext, ToolResult } from "../tools/types.ts";
import { IDEMPOTENT_REPLAY_META_KEY, keyOwner, readIdempotencyKey } from "./key.ts";
import { keyedDb } from "./keyed-db.ts";
import { IdempotencyRefusal } from "./refusal.ts";
import { requestHash } from "./request-hash.ts";

/** How long a key and its answer are kept, in hours: a retry within this gets the first answer. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** Longest wait for another call holding the same key, in ms; never more than half the database timeout. */
const MAX_CLAIM_WAIT_MS = 5000;

/** What a lane knows of the caller's idempotency key before the call: who calls, and the HTTP header. */
export interface KeyScope {
  credential: Credential;
  /** The request's `Idempotency-Key` header; null when absent. */
  header: string | null;
}

/** The key of one `tools/call` for `tool`, or why the call is refused (-32602). Read-only tools ignore any key. */
export function keyForCall(
  tool: Tool,
  meta: unknown,
  scope: KeyScope | undefined,
): { ok: true; key?: string } | { ok: false; message: string } {
  if (!scope || tool.annotations.readOnlyHint === true) return { ok: true };
  return readIdempotencyKey(meta, scope.header);
}

/**
 * Runs a write tool under an idempotency key (see `keyedDb`): its write and the key commit together, a retry with the
 * same key and arguments gets the stored answer with `_meta["io.tenant-mcp/idempotent-replay"]: true`, and a call
 * still in progress elsewhere is answered with an `isError` result saying to retry.
 *
 * @throws {IdempotencyRefusal} `mismatch` when the key was used for another tool or other arguments (the lane answers
 *   -32602).
 */
export async function callWithKey(
  tool: Tool,
  args: unknown,
  ctx: ToolContext,
  key: string,
  credential: Credential,
): Promise<ToolResult> {
  const keyed = keyedDb(ctx.db, {
    key,
    owner: keyOwner(credential),
    tool: tool.name,
    hash: await requestHash(tool.name, args),
    ttlHours: IDEMPOTENCY_KEY_TTL_HOURS,
    waitMs: Math.min(MAX_CLAIM_WAIT_MS, Math.floor(ctx.limits.dbTimeoutMs / 2)),
  });
  let result: ToolResult;
  try {
    result = await tool.handler(args, { ...ctx, db: keyed.db });
  } catch (err) {
    if (err instanceof IdempotencyRefusal && err.kind === "in_progress")
      return { content: [{ type: "text", text: err.message }], isError: true };
    throw err;
  }
  if (!keyed.replayed()) return result;
  ctx.log.info("idempotent replay", { tool: tool.name });
  return { ...result, _meta: { ...result._meta, [IDEMPOTENT_REPLAY_META_KEY]: true } };
}
