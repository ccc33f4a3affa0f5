import type { RequestContext } from "../context.ts";
import { tenantData } from "../db/tenant-data.ts";
import type { TenantContext } from "../tenancy/tenant.ts";
import type { ToolContext, ToolInput } from "../tools/types.ts";
import { readTenantUsage } from "../usage/tenant-usage.ts";
import { announce, changesOf } from "../streams/changes.ts";

/** How a lane delivers progress for the current request; `undefined` when the client asked for none. */
export type ProgressSink = ((progress: number, total?: number, message?: string) => Promise<void>) | undefined;

/**
 * The context a tool, resource or prompt handler runs with. Both protocol lanes build it the same way; only a lane
 * that can ask the user for input mid-call (the 2026-07-28 one) passes `input`.
 */
export function createToolContext(
  rc: RequestContext,
  tenant: TenantContext,
  signal: AbortSignal,
  progress: ProgressSink,
  input?: ToolInput,
): ToolContext {
  return {
    tenant,
    db: tenantData(rc, tenant),
    log: rc.log,
    requestId: rc.requestId,
    signal,
    progress: progress ?? (async () => {}),
    limits: rc.config,
    usage: () => readTenantUsage(rc, tenant),
    announce: (tool, args, result) => announce(rc, tenant.id, changesOf(tool, args, result)),
    ...(input ? { input } : {}),
  };
}
