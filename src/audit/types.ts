/** One finished `tools/call`, as a protocol lane reports it to the audit log. */
export interface ToolCallAudit {
  tool: string;
  /** "error" for a result with `isError` (bad arguments included) and for a handler that threw. */
  status: "ok" | "error";
  /** When the call started, epoch milliseconds. */
  startedAt: number;
  durationMs: number;
}

/**
 * Records a finished tool call. Returns at once and never throws: the write happens after the response, and a
 * failed write is logged, never shown to the client.
 */
export type AuditSink = (call: ToolCallAudit) => void;
