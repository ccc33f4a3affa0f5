import * as z from "zod";
import { TenantDbError } from "../../db/tenant-db.ts";
import { RETRY_WITH_KEY } from "../annotations.ts";
import { defineTool } from "../define.ts";
import { dataResult, errorResult, Messages } from "../result.ts";
import { toWorkspace, UNIQUE_VIOLATION, Workspace, WORKSPACE_COLUMNS, WorkspaceName } from "./workspaces.ts";

const Output = z.object({ workspace: Workspace });

/** The answer when the tenant already has as many workspaces as the deployment allows. */
export function workspaceLimitMessage(max: number): string {
  return `This account already has the most workspaces allowed (${max}); delete or reuse one instead.`;
}

/** Creates a workspace in the caller's tenant. */
export const createWorkspace = defineTool({
  name: "create_workspace",
  title: "Create workspace",
  description: `Creates a workspace to hold documents and returns it. Names are unique within the account, ignoring case. ${RETRY_WITH_KEY}`,
  feature: "core",
  input: z.object({ name: WorkspaceName }),
  output: Output,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handler(args, ctx) {
    const max = ctx.limits.maxWorkspacesPerTenant;
    let rows: Record<string, unknown>[] | undefined;
    try {
      // One round trip. The transaction-scoped advisory lock, per tenant, makes concurrent creates of one tenant take
      // turns, so the count below is exact and a burst cannot overshoot the cap; other tenants never wait on it.
      // tenant_id comes from the column default, and RLS limits the count to the caller's own workspaces.
      [, rows] = await ctx.db.batch(
        [
          {
            text: "select pg_advisory_xact_lock(hashtextextended('tenant_mcp:workspaces:' || current_setting('app.tenant_id'), 0))",
          },
          {
            text: `insert into workspaces as w (name)
                   select $1 where (select count(*) from workspaces) < $2
                   returning ${WORKSPACE_COLUMNS}`,
            params: [args.name, max],
          },
        ],
        { signal: ctx.signal },
      );
    } catch (err) {
      // The unique index leads with tenant_id: only the caller's own names can collide.
      if (err instanceof TenantDbError && err.code === UNIQUE_VIOLATION)
        return errorResult(Messages.workspaceNameTaken);
      throw err;
    }
    const [row] = rows ?? [];
    if (!row) return errorResult(workspaceLimitMessage(max));
    const out: z.output<typeof Output> = { workspace: toWorkspace(row) };
    return dataResult(out);
  },
});
