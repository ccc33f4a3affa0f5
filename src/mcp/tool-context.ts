import type { RequestContext } from "../context.ts";
import { createTenantDb } from "../db/tenant-db.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import type { ToolContext } from "../tools/types.ts";

/** How a lane delivers progress for the current request; `undefined` when the client asked for none. */
export type ProgressSink = ((progress: number, total?: number, message?: string) => Promise<void>) | undefined;

/** The context a tool, resource or prompt handler runs with. Both protocol lanes build it the same way. */
export function createToolContext(
  rc: RequestContext,
  tenant: TenantContext,
  signal: AbortSignal,
  progress: ProgressSink,
): ToolContext {
  return {
    tenant,
    db: createTenantDb(rc.sql, tenant.id),
    log: rc.log,
    requestId: rc.requestId,
    signal,
    progress: progress ?? (async () => {}),
  };
}
