import type { TaskParams } from "./types.ts";

/** The event a waiting task's engine instance resumes on when the client has answered all its input requests. */
export const TASK_INPUT_EVENT = "task-input";

/** The Workflow binding (TASK_WORKFLOW), as far as the request side uses it: start, resume, cancel an instance. */
export type TaskWorkflowBinding = Pick<Workflow<TaskParams>, "create" | "get">;

/**
 * The durable engine as the request side sees it: one Cloudflare Workflow instance per task, named by the task id.
 * Each method returns once the platform has accepted the command; the work itself runs in src/tasks/workflow.ts.
 */
export interface TaskEngine {
  /** Starts the task's instance. @throws when the platform refuses (the caller marks the task failed). */
  start(params: TaskParams): Promise<void>;
  /** Wakes the task's instance: the answers are in its record. @throws when the instance cannot be reached. */
  resume(taskId: string): Promise<void>;
  /** Ends the task's instance; an instance already ended is not an error. */
  stop(taskId: string): Promise<void>;
}

/** The {@link TaskEngine} over the Workflow binding. */
export function workflowEngine(binding: TaskWorkflowBinding): TaskEngine {
  return {
    async start(params) {
      await binding.create({ id: params.taskId, params });
    },
    async resume(taskId) {
      await (await binding.get(taskId)).sendEvent({ type: TASK_INPUT_EVENT, payload: {} });
    },
    async stop(taskId) {
      // Terminating an instance that already ended throws; the task's record (already terminal) is what counts.
      await (await binding.get(taskId)).terminate().catch(() => undefined);
    },
  };
}
