import type { RequestContext } from "../context.ts";
import { createToolContext } from "../mcp/tool-context.ts";
import { RpcCode } from "../http/errors.ts";
import { isFeature, type TenantContext } from "../tenancy/tenant.ts";
import { toolsFor } from "../tools/registry.ts";
import { TaskStore, transition } from "./store.ts";
import { isTerminal, type TaskError, type TaskParams, type TaskRecord } from "./types.ts";

/** What the engine does after a round: wait for the client's input, or stop (the task is terminal or gone). */
export type RoundOutcome = "input" | "done";

/**
 * Runs one round of a task: the tool, with the input the task holds (the answers it was created with, or those the
 * client sent through `tasks/update`), then the task's record updated with what came of it. A tool's own error is a
 * completed task whose result has `isError` (SEP-2663: `failed` is for protocol errors); a tool that throws, or one
 * the tenant no longer has, ends the task `failed` with a JSON-RPC error. A task cancelled or expired meanwhile keeps
 * that state: the store never writes over a terminal or missing record.
 */
export async function runRound(rc: RequestContext, params: TaskParams): Promise<RoundOutcome> {
  const tenant = tenantOf(params);
  const store = new TaskStore(rc.shards.forTenant(tenant.id), tenant.id);
  const task = await store.get(params.taskId);
  if (!task || isTerminal(task.status)) return "done";
  rc.fields.tenant_id = tenant.id;
  rc.fields.tool = task.tool;

  const tool = toolsFor(tenant.features, "stateless").byName.get(task.tool);
  if (!tool) return end(store, task, rc, { error: { code: RpcCode.InvalidParams, message: "Tool not available" } });
  const controller = new AbortController();
  const input = {
    responses: task.input?.responses,
    state: task.input?.state,
    clientCapabilities: task.clientCapabilities,
  };
  let outcome: Partial<TaskRecord>;
  try {
    const { inputRequired, ...result } = await tool.handler(
      task.args,
      createToolContext(rc, tenant, controller.signal, undefined, input),
    );
    if (inputRequired) {
      const waiting = transition(
        task,
        {
          status: "input_required",
          inputRequests: inputRequired.requests,
          answers: {},
          input: { state: inputRequired.state },
        },
        rc.now(),
      );
      return (await store.save(waiting)) === "saved" ? "input" : "done";
    }
    outcome = { result };
  } catch (err) {
    // Only a tool outside `defineTool` throws (its handler turns faults into isError results): a protocol error.
    rc.log.warn("task failed", { error: err, task_id: task.id });
    outcome = { error: protocolError(err) };
  }
  return end(store, task, rc, outcome);
}

async function end(
  store: TaskStore,
  task: TaskRecord,
  rc: RequestContext,
  outcome: Partial<TaskRecord>,
): Promise<RoundOutcome> {
  const status = outcome.error ? "failed" : "completed";
  const { inputRequests: _pending, answers: _answers, ...rest } = task;
  await store.save(transition(rest, { ...outcome, status }, rc.now()));
  return "done";
}

function protocolError(err: unknown): TaskError {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    code: typeof code === "number" && Number.isSafeInteger(code) ? code : RpcCode.InternalError,
    message: err instanceof Error && err.message ? err.message : "Internal error",
  };
}

/** The tenant a task runs for, as its creating request saw it. */
export function tenantOf(params: TaskParams): TenantContext {
  const { features, ...rest } = params.tenant;
  return { ...rest, features: new Set(features.filter(isFeature)) };
}
