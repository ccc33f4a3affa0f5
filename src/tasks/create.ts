import { ProtocolError, ProtocolErrorCode, type ServerContext } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/principal.ts";
import type { RequestContext } from "../context.ts";
import type { Tool, ToolContext } from "../tools/types.ts";
import { declaredCapabilities, tasksNegotiated, tasksRequired } from "./negotiation.ts";
import { TaskStore, taskOwner } from "./store.ts";
import type { TaskParams, TaskRecord } from "./types.ts";
import { createTaskResult } from "./wire.ts";

/**
 * Server-directed task creation (SEP-2663) for one 2026-07-28 `tools/call`: the `CreateTaskResult` of a new task when
 * the tool runs as one here, `undefined` when the call is answered in the request. A tool that supports tasks runs as
 * one when the request negotiated the extension and the tool's `taskWhen` agrees; a `required` one from a request
 * without the extension is refused (-32021). Arguments the tool refuses are answered in the request (a tool error).
 *
 * The task's record is stored before the engine is started and before the answer goes out, so a `tasks/get` right
 * after the answer finds it (SEP-2663: durable before `CreateTaskResult`). A legacy `task` param is ignored.
 *
 * @throws ProtocolError -32600 when the tenant already holds TASK_MAX_PER_TENANT tasks.
 */
export async function startTaskIfDue(
  tool: Tool,
  rawArgs: unknown,
  ctx: ServerContext,
  toolCtx: ToolContext,
  principal: Principal,
  rc: RequestContext,
): Promise<Record<string, unknown> | undefined> {
  if (tool.taskSupport === "forbidden") return undefined;
  if (!tasksNegotiated(ctx)) {
    if (tool.taskSupport === "required") throw tasksRequired();
    return undefined;
  }
  const parsed = tool.parse(rawArgs ?? {});
  if (!parsed.success || !(await tool.taskWhen(parsed.data, toolCtx))) return undefined;

  const tenant = principal.tenant;
  const now = rc.now();
  const task: TaskRecord = {
    id: crypto.randomUUID(),
    owner: taskOwner(principal.credential),
    tool: tool.name,
    args: parsed.data,
    clientCapabilities: declaredCapabilities(ctx),
    status: "working",
    createdAt: now,
    lastUpdatedAt: now,
    ttlMs: rc.config.taskTtlSeconds * 1000,
    // Answers this call already carries (a multi round-trip phase that ends in a task) go to the task's first round.
    input: { responses: toolCtx.input?.responses, state: toolCtx.input?.state },
  };
  const store = new TaskStore(rc.shards.forTenant(tenant.id), tenant.id);
  if (!(await store.create(task, rc.config.taskMaxPerTenant, now))) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidRequest,
      `Task limit reached: this tenant already holds ${rc.config.taskMaxPerTenant} tasks; retry when some have expired`,
      { reason: "task_limit", limit: rc.config.taskMaxPerTenant },
    );
  }
  const params: TaskParams = {
    taskId: task.id,
    tenantId: tenant.id,
    tenant: { ...tenant, features: [...tenant.features] },
  };
  try {
    await rc.tasks.start(params);
  } catch (err) {
    rc.log.error("task engine refused a task", { error: err, task_id: task.id });
    await store.save({
      ...task,
      status: "failed",
      error: { code: ProtocolErrorCode.InternalError, message: "The task could not be started" },
      lastUpdatedAt: rc.now(),
    });
  }
  rc.fields.task_id = task.id;
  return createTaskResult(task);
}
