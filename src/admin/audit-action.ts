import type { RequestContext } from "../context.ts";
import { recordOperatorAction, type OperatorAction, type OperatorActor } from "../control/operators.ts";
import type { AdminDeps } from "../control/types.ts";

/**
 * Appends an action of an operator (the operator API's changes, the console's sign-in) to the operator audit log, with
 * the request's id. The action stands either way, so a failure here is logged with the request, not answered.
 */
export async function auditOperatorAction(
  rc: RequestContext,
  deps: Pick<AdminDeps, "sql">,
  actor: OperatorActor,
  action: Omit<OperatorAction, "requestId">,
): Promise<void> {
  try {
    await recordOperatorAction(deps.sql, actor, { ...action, requestId: rc.requestId });
  } catch (err) {
    rc.log.error("operator action not recorded in the operator audit log", {
      action: action.action,
      status: action.status,
      error: err instanceof Error ? err : String(err),
    });
  }
}
