import type { TenantContext } from "../tenancy/tenant.ts";
import type { InputRequest, ToolResult } from "../tools/types.ts";

/** The MCP tasks extension's identifier (SEP-2663), under `capabilities.extensions` on both sides. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** A task's status (SEP-2663). `completed`, `failed` and `cancelled` are terminal: nothing changes a task after. */
export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** Whether `status` is terminal. */
export function isTerminal(status: TaskStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/** A JSON-RPC error, as a failed task carries it. */
export interface TaskError {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * One task as stored in Redis (src/tasks/store.ts), under its tenant; the record is the task's only state the methods
 * read, so any invocation can answer for it. The engine (src/tasks/workflow.ts) writes it as the tool runs.
 */
export interface TaskRecord {
  id: string;
  /** The credential that created the task (`<kind>:<id>`); any other one is answered as if the task did not exist. */
  owner: string;
  tool: string;
  /** The call's arguments, as the tool's schema parsed them. */
  args: unknown;
  /** The capabilities the creating request declared (the tool asks the client only for what they allow). */
  clientCapabilities: Record<string, unknown>;
  status: TaskStatus;
  statusMessage?: string;
  /** Epoch ms. */
  createdAt: number;
  lastUpdatedAt: number;
  ttlMs: number;
  /** What the tool asks the client for (status `input_required`), by key; answered keys are removed. */
  inputRequests?: Record<string, InputRequest>;
  /** The client's answers of the current round so far (tasks/update), by key. */
  answers?: Record<string, unknown>;
  /** The tool's state for its next round (its `inputRequired.state`), or the answers it was created with. */
  input?: { responses?: Record<string, unknown>; state?: unknown };
  /** The tool's result (status `completed`; a tool error is a completed task whose result has `isError`). */
  result?: ToolResult;
  /** The protocol error the task ended with (status `failed`). */
  error?: TaskError;
  /** Counts the record's writes (src/tasks/store.ts), so a read-modify-write can tell another write came first. */
  version?: number;
}

/** What the engine is started with: enough to run the task without the request that created it. */
export interface TaskParams {
  taskId: string;
  tenantId: string;
  /** The tenant as the creating request saw it (features as a list: workflow params are JSON). */
  tenant: Omit<TenantContext, "features"> & { features: string[] };
}
