import { ProtocolError, ProtocolErrorCode, type Server } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import { tasksNegotiated, tasksRequired } from "./negotiation.ts";
import { TaskStore, taskOwner, transition } from "./store.ts";
import { isTerminal, type TaskRecord } from "./types.ts";
import { detailedTask } from "./wire.ts";

const TaskIdParams = z.looseObject({ taskId: z.string() });
const UpdateParams = z.looseObject({
  taskId: z.string(),
  inputResponses: z.record(z.string(), z.unknown()).optional(),
});

// Same answer for a task that never existed, expired, or belongs to another tenant or credential: nothing tells them
// apart (SEP-2663: unknown task ids are -32602).
const UNKNOWN = "Unknown task";

// Writes racing one tasks/update before it gives up (each loser rereads the record; a few at most in practice).
const MAX_UPDATE_ATTEMPTS = 5;

/**
 * `task` with the answers among `responses` it is waiting for (others are ignored), and whether none is left: then it
 * is `working` again, the answers handed to the tool's next round.
 */
function merged(
  task: TaskRecord,
  responses: Readonly<Record<string, unknown>>,
  now: number,
): { next: TaskRecord; done: boolean } {
  const pending = { ...task.inputRequests };
  const answers = { ...task.answers };
  for (const [key, answer] of Object.entries(responses)) {
    if (!(key in pending)) continue;
    answers[key] = answer;
    delete pending[key];
  }
  const done = Object.keys(pending).length === 0;
  const next = done
    ? transition(
        task,
        { status: "working", inputRequests: {}, answers: {}, input: { responses: answers, state: task.input?.state } },
        now,
      )
    : transition(task, { inputRequests: pending, answers }, now);
  return { next, done };
}

/**
 * Registers the tasks extension's methods (SEP-2663, 2026-07-28) on a per-request Server: `tasks/get`, `tasks/update`
 * and `tasks/cancel`, each answering from the task's record in Redis, so any invocation serves any task of the caller.
 * The v1 `tasks/result` and `tasks/list` are gone from this revision: the SDK answers them -32601.
 */
export function registerTaskMethods(server: Server, principal: Principal, rc: RequestContext): void {
  const store = new TaskStore(rc.shards.forTenant(principal.tenant.id), principal.tenant.id);
  const owner = taskOwner(principal.credential);
  const find = async (taskId: string): Promise<TaskRecord> => {
    const task = await store.get(taskId, owner);
    if (!task) throw new ProtocolError(ProtocolErrorCode.InvalidParams, UNKNOWN);
    return task;
  };

  server.setRequestHandler("tasks/get", { params: TaskIdParams }, async (params, ctx) => {
    if (!tasksNegotiated(ctx)) throw tasksRequired();
    return detailedTask(await find(params.taskId)) as never;
  });

  // Answers for some of the pending requests: kept, and taken off the pending list; the engine resumes once none is
  // left. Keys the task is not waiting for are ignored. The ack is empty: the new state is for tasks/get to tell.
  server.setRequestHandler("tasks/update" as never, { params: UpdateParams }, async (params, ctx) => {
    if (!tasksNegotiated(ctx)) throw tasksRequired();
    // The SDK lifts `inputResponses` out of the params of a 2026-07-28 request (SEP-2322) into the context.
    const responses = params.inputResponses ?? ctx.mcpReq.inputResponses ?? {};
    // Two updates at once each merge into the record as it is: a save that lost the race reads again and redoes.
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const task = await find(params.taskId);
      if (task.status !== "input_required") return {} as never;
      const { next, done } = merged(task, responses, rc.now());
      const saved = await store.save(next, task.version ?? 0);
      if (saved === "conflict") continue;
      if (saved === "saved" && done) await rc.tasks.resume(task.id);
      return {} as never;
    }
    throw new ProtocolError(ProtocolErrorCode.InternalError, "The task is busy; retry the update");
  });

  // Idempotent: a task already terminal answers the same empty ack and stays as it is.
  server.setRequestHandler("tasks/cancel", { params: TaskIdParams }, async (params, ctx) => {
    if (!tasksNegotiated(ctx)) throw tasksRequired();
    const task = await find(params.taskId);
    if (isTerminal(task.status)) return {} as never;
    const { inputRequests: _pending, answers: _answers, ...rest } = task;
    await store.save(transition(rest, { status: "cancelled", statusMessage: "Cancelled by the client" }, rc.now()));
    await rc.tasks.stop(task.id);
    return {} as never;
  });
}
