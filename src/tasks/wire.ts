import type { TaskRecord } from "./types.ts";

/** How often a client should poll `tasks/get`, in ms (SEP-2663 `pollIntervalMs`). */
export const POLL_INTERVAL_MS = 1000;

/** The fields every task shape carries (SEP-2663 `Task`): ISO times, integer milliseconds, no v1 `ttl`/`pollInterval`. */
function taskFields(task: TaskRecord): Record<string, unknown> {
  return {
    taskId: task.id,
    status: task.status,
    ...(task.statusMessage === undefined ? {} : { statusMessage: task.statusMessage }),
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
    ttlMs: task.ttlMs,
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

/**
 * The answer to a `tools/call` that started a task (SEP-2663 `CreateTaskResult`): flat, `resultType: "task"`, with no
 * result, error, input requests or `requestState` (those belong to `tasks/get`, or to the multi round-trip phase).
 */
export function createTaskResult(task: TaskRecord): Record<string, unknown> {
  return { resultType: "task", ...taskFields(task) };
}

/**
 * The answer to `tasks/get` (SEP-2663 `DetailedTask`): the task, with the tool's result inlined once completed, the
 * error once failed, the pending input requests while it waits for them. The SDK stamps `resultType: "complete"`.
 */
export function detailedTask(task: TaskRecord): Record<string, unknown> {
  return {
    ...taskFields(task),
    ...(task.status === "completed" && task.result ? { result: task.result } : {}),
    ...(task.status === "failed" && task.error ? { error: task.error } : {}),
    ...(task.status === "input_required" ? { inputRequests: task.inputRequests ?? {} } : {}),
  };
}
