/**
 * What the client saw of one round trip of a `tools/call` (the `status` column of the audit log):
 * - `ok`: a result without `isError`;
 * - `tool_error`: a result with `isError: true` (bad arguments included);
 * - `protocol_error`: a JSON-RPC error instead of a result (unknown tool, invalid params, missing client capability);
 * - `input_required`: an `InputRequiredResult` (MCP 2026-07-28): a question, not a finished call. The call finishes on
 *   the round trip that answers it, which carries the same {@link ToolCallAudit.callId}.
 */
export type CallOutcome = "ok" | "tool_error" | "protocol_error" | "input_required";

/** One round trip of a `tools/call`, as a protocol lane reports it to the audit log. */
export interface ToolCallAudit {
  /** The tool the client named, as sent (an unknown name included), cut to 128 characters. */
  tool: string;
  outcome: CallOutcome;
  /** Links the round trips of one multi-round-trip call (a UUID); absent for a call of one round trip. */
  callId?: string;
  /** When the round trip started, epoch milliseconds. */
  startedAt: number;
  durationMs: number;
}

/**
 * Records one round trip of a tool call. Returns at once and never throws: the write happens after the response, and
 * a failed write is logged, never shown to the client.
 */
export type AuditSink = (call: ToolCallAudit) => void;
