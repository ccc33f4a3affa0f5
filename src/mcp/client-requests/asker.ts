import type { Redis } from "@upstash/redis/cloudflare";
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  type JSONRPCRequest,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../../log/logger.ts";
import { mintRequestId, openRequest, type RequestScope } from "../../rendezvous/rendezvous.ts";
import { awaitAnswer, type WaitOptions } from "../../rendezvous/wait.ts";
import type { InputRequest } from "../../tools/types.ts";

/** The client capability each request needs (MCP 2025-11-25: a server MUST NOT send a request the client did not declare). */
export const CAPABILITY_OF: Readonly<Record<InputRequest["method"], string>> = Object.freeze({
  "elicitation/create": "elicitation",
  "sampling/createMessage": "sampling",
  "roots/list": "roots",
});

// The SDK's own result schemas: an answer is client input, checked before a tool sees it.
const RESULT_SCHEMA = {
  "elicitation/create": ElicitResultSchema,
  "sampling/createMessage": CreateMessageResultSchema,
  "roots/list": ListRootsResultSchema,
} as const;

/** The client's result, or why there is none (a sentence for the tool call's `isError` result). */
export type AskOutcome = { ok: true; result: Record<string, unknown> } | { ok: false; message: string };

/** Asks a session's client something in the middle of one tool call. */
export interface ClientAsker {
  /** The capabilities the session's client declared at initialize (names only; values are empty objects). */
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** Sends `request` on the response stream of the call `relatedRequestId` and waits for the answer. Never throws. */
  ask(request: InputRequest, relatedRequestId: RequestId, signal: AbortSignal): Promise<AskOutcome>;
}

/** What {@link clientAsker} needs. */
export interface AskerDeps {
  redis: Pick<Redis, "set" | "del" | "getdel">;
  scope: RequestScope;
  /** Capability names from the session record. */
  capabilities: readonly string[];
  /** Longest wait for one answer, in ms (`CLIENT_ANSWER_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Writes a message on the SSE response of the request `relatedRequestId`. */
  send(message: JSONRPCRequest, relatedRequestId: RequestId): Promise<void>;
  log: Logger;
  now?: WaitOptions["now"];
}

/** A margin on the request's TTL past the wait, so it never expires while the waiter may still close it. */
const TTL_MARGIN_SECONDS = 30;

/**
 * The session lane's way to ask a client mid-call: register the request in Redis (src/rendezvous/), send it on the
 * call's SSE response, then wait for the answer another invocation hands over. Every failure becomes a sentence for
 * the call's `isError` result, never an exception: the call ends cleanly whatever Redis or the client do.
 */
export function clientAsker(deps: AskerDeps): ClientAsker {
  const capabilities = Object.freeze(Object.fromEntries(deps.capabilities.map((name) => [name, {}])));
  const ttlSeconds = Math.ceil(deps.timeoutMs / 1000) + TTL_MARGIN_SECONDS;
  return {
    capabilities,
    async ask(request, relatedRequestId, signal) {
      const id = mintRequestId();
      try {
        await openRequest(deps.redis, deps.scope, id, ttlSeconds);
        await deps.send({ jsonrpc: "2.0", id, method: request.method, params: request.params }, relatedRequestId);
      } catch (err) {
        deps.log.error("could not send a request to the client", { error: err instanceof Error ? err : String(err) });
        return { ok: false, message: UNAVAILABLE };
      }
      const waited = await awaitAnswer(deps.redis, deps.scope, id, {
        timeoutMs: deps.timeoutMs,
        signal,
        ...(deps.now ? { now: deps.now } : {}),
      });
      switch (waited.kind) {
        case "timeout":
          return {
            ok: false,
            message: `The client did not answer the server's ${request.method} request within ${Math.ceil(deps.timeoutMs / 1000)} s.`,
          };
        case "aborted":
          return { ok: false, message: "The call ended before the client answered." };
        case "unavailable":
          deps.log.error("lost the client's answer: Redis failed during the wait", {
            error: waited.error instanceof Error ? waited.error : String(waited.error),
          });
          return { ok: false, message: UNAVAILABLE };
        case "answered": {
          const answer = waited.answer;
          if ("error" in answer) {
            return { ok: false, message: `The client refused ${request.method}: ${String(answer.error?.message)}` };
          }
          const parsed = RESULT_SCHEMA[request.method].safeParse(answer.result);
          if (!parsed.success) return { ok: false, message: `The client's answer to ${request.method} is malformed.` };
          return { ok: true, result: answer.result as Record<string, unknown> };
        }
      }
    },
  };
}

const UNAVAILABLE = "Service temporarily unavailable: the client's answer could not be received. Try the call again.";
