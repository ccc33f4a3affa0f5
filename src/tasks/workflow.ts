import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { createRequestContext } from "../context.ts";
import { createLogger } from "../log/logger.ts";
import { TASK_INPUT_EVENT } from "./engine.ts";
import type { TaskParams } from "./types.ts";
import { lazyModule } from "../lazy.ts";

// A tool runs once per round: a retry would run a write twice, and a task that failed says so to its client instead.
const ROUND = { retries: { limit: 0, delay: 0 }, timeout: "15 minutes" } as const;
// Most rounds of input one task may ask for; a tool that keeps asking ends when its task expires anyway.
const MAX_ROUNDS = 50;
// Loaded on the first round, not at module scope: the Worker's entry exports this class, and a static import would
// evaluate every tool (and the lanes' code they share) at each isolate's start-up (src/lazy.ts).
const loadRound = lazyModule(() => import("./round.ts"));

/**
 * The durable engine of MCP tasks (SEP-2663; docs/tasks.md): one Workflow instance per task, created by the request
 * that made the task and named by its id. Workflows rather than Queues: an instance outlives the request (and a
 * restart of the isolate), waits for the client's input without running (`waitForEvent`, woken by `tasks/update`),
 * and is ended by `tasks/cancel` (`terminate`), all per task id, where a queue consumer would rebuild each of these
 * from its own state. Each round runs the tool once and writes the outcome to the task's record in Redis, which is
 * what `tasks/get` reads; a step's own output is only the next move, so no result counts against the step size limit.
 */
export class TaskWorkflow extends WorkflowEntrypoint<Env, TaskParams> {
  override async run(event: Readonly<WorkflowEvent<TaskParams>>, step: WorkflowStep): Promise<void> {
    const params = event.payload;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const next = await step.do(`round ${round}`, ROUND, async () => {
        const { runRound } = await loadRound();
        return runRound(this.context(params), params);
      });
      if (next === "done") return;
      try {
        await step.waitForEvent(`input ${round}`, { type: TASK_INPUT_EVENT, timeout: "1 day" });
      } catch {
        // No answer in time: the task's record has expired by now (TASK_TTL_SECONDS is shorter), nothing to update.
        return;
      }
    }
  }

  /** A request context for one round, logging under the task's id. */
  private context(params: TaskParams) {
    const rc = createRequestContext(new Request("https://task.invalid/"), this.env, this.ctx);
    return {
      ...rc,
      requestId: params.taskId,
      log: createLogger({ request_id: params.taskId, task_id: params.taskId }),
    };
  }
}
