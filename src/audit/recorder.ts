import { isUuid } from "../db/tenant-db.ts";
import type { AuditSink, CallOutcome } from "./types.ts";

/**
 * Recorded as the tool of a `tools/call` whose `name` is missing or is no valid tool name. Unknown names are recorded
 * as sent only when they are plain (the MCP 2025-11-25 tool-name characters, 1-128 of them): the operator reads them
 * in a terminal, and a client must not be able to put control characters there.
 */
const INVALID_TOOL_NAME = "(invalid name)";
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Anything a protocol SDK's Server writes its messages to: both SDKs' transports have this method. */
interface Sending {
  send(message: never, options?: never): Promise<void>;
}

/**
 * The audit record of one `tools/call` round trip, kept by the protocol lane that serves it. The outcome is what the
 * client saw: the terminal JSON-RPC response the Server sends for the call's id (a result, a result with `isError`,
 * an `InputRequiredResult` or a JSON-RPC error), observed on its way to the transport. So a refusal that happens after
 * the tool ran (the SDK's -32021 for a question the client cannot show) is recorded as the client got it.
 */
export interface ToolCallRecorder {
  /** Records the outcome from the terminal response `transport` sends for this call. Returns `transport`. */
  watch<T extends Sending>(transport: T): T;
  /**
   * Links this round trip to the multi-round-trip call whose verified `requestState` it carries (a UUID, else
   * ignored).
   */
  link(callId: string): void;
  /**
   * The link sealed into the question this round trip asks. It counts only when the question reaches the client
   * (outcome `input_required`): a question the SDK refuses (-32021) ends a call of one round trip, which has no link.
   */
  asking(callId: string): void;
  /**
   * The HTTP answer the lane returned. A rejection that never reached the Server (the SDK's own checks before
   * dispatch) is a protocol error; a response already recorded, or still streaming, is left alone.
   */
  settle(response: Response): void;
}

/** What a recorder needs: where rows go and the request's clock. */
export interface RecorderDeps {
  audit: AuditSink;
  now(): number;
}

/**
 * A recorder for `message` when it is a `tools/call` request, else `undefined` (nothing else is audited). Created when
 * the lane starts serving the call, after admission: a call refused for its credential or rate limit writes no row.
 */
export function toolCallRecorder(message: unknown, deps: RecorderDeps): ToolCallRecorder | undefined {
  if (!isToolCall(message)) return undefined;
  const { id } = message;
  const name = message.params?.name;
  const tool = typeof name === "string" && TOOL_NAME.test(name) ? name : INVALID_TOOL_NAME;
  const startedAt = deps.now();
  let linked: string | undefined;
  let asked: string | undefined;
  let done = false;

  const record = (outcome: CallOutcome): void => {
    if (done) return;
    done = true;
    const callId = linked ?? (outcome === "input_required" ? asked : undefined);
    deps.audit({ tool, outcome, ...(callId ? { callId } : {}), startedAt, durationMs: deps.now() - startedAt });
  };

  return {
    watch(transport) {
      // Both SDKs' Servers call `this._transport.send(...)` for every message, the terminal response included.
      const target = transport as unknown as { send: (message: unknown, options?: unknown) => Promise<void> };
      const send = target.send.bind(target);
      target.send = (out, options) => {
        const outcome = responseOutcome(out, id);
        if (outcome) record(outcome);
        return send(out, options);
      };
      return transport;
    },
    link(value) {
      // Server-minted (crypto.randomUUID) and back only inside verified requestState; checked anyway, so a bad value
      // can never turn the audit insert into a cast error.
      if (isUuid(value)) linked = value;
    },
    asking(value) {
      if (isUuid(value)) asked = value;
    },
    settle(response) {
      // 499: the client went away; it saw nothing, and the call may not have finished.
      if (response.status >= 400 && response.status !== 499) record("protocol_error");
    },
  };
}

/** The outcome a message carries when it is the terminal response to request `id`. */
function responseOutcome(message: unknown, id: unknown): CallOutcome | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as { id?: unknown; result?: unknown; error?: unknown };
  if (m.id !== id) return undefined;
  if (m.error !== undefined) return "protocol_error";
  if (typeof m.result !== "object" || m.result === null) return undefined;
  const result = m.result as { isError?: unknown; resultType?: unknown };
  if (result.resultType === "input_required") return "input_required";
  return result.isError === true ? "tool_error" : "ok";
}

function isToolCall(message: unknown): message is { id: string | number; params?: { name?: unknown } } {
  if (typeof message !== "object" || message === null) return false;
  const m = message as { method?: unknown; id?: unknown };
  return m.method === "tools/call" && (typeof m.id === "string" || typeof m.id === "number");
}
