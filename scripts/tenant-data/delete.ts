/**
 * Deleting a tenant on any tier: the control plane's rows (and a shared tenant's data, by cascade) with
 * `deleteTenant`, then its schema or its database, dropped whole.
 */
import { ControlError } from "../../src/control/errors.ts";
import { deleteTenant, deletionPlan } from "../../src/control/tenants.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import type { DataAdmin } from "./data-admin.ts";
import { discardLocation } from "./location.ts";
import { openData } from "./locations.ts";
import { describeUrl } from "../migrate/database.ts";

/** What {@link deleteTenantEverywhere} removed. */
export interface DeletedTenant {
  id: string;
  slug: string;
  isolation: "shared" | "schema" | "database";
  /** What was dropped besides the rows: `schema tenant_…`, `database user@host/name`; null for shared. */
  dropped: string | null;
}

/**
 * Deletes tenant `slug` and all of its data: its rows in the main database, then its schema or database (dropped
 * whole, with `DROP ... CASCADE` / `DROP DATABASE ... WITH (FORCE)`). Refuses while a move of the tenant is
 * unfinished (`tenant move --abort` first). `admin` is needed for the schema and database tiers. When the rows are
 * gone but the drop fails, the error names what is left to drop by hand.
 */
export async function deleteTenantEverywhere(
  deps: AdminDeps,
  admin: () => DataAdmin,
  slug: string,
): Promise<DeletedTenant> {
  const { tenantId, isolation, dataSchema, sealedAdminUrl } = await deletionPlan(deps, slug);
  if (isolation === "shared") {
    const deleted = await deleteTenant(deps, slug);
    return { ...deleted, isolation, dropped: null };
  }
  // Everything needed to drop the location is known before the rows go.
  const access = admin();
  const adminUrl =
    isolation === "database" ? await openData(access.dataSecretKey, tenantId, String(sealedAdminUrl)) : null;
  const location = {
    isolation,
    schema: isolation === "schema" ? String(dataSchema) : null,
    dataUrl: null,
    adminUrl,
    createdDatabase: true,
  };
  const dropped = location.schema ? `schema ${location.schema}` : `database ${describeUrl(adminUrl as string)}`;
  const deleted = await deleteTenant(deps, slug);
  try {
    await discardLocation(access, location);
  } catch (err) {
    throw new ControlError(
      "unavailable",
      `tenant "${slug}" is deleted, but its ${dropped} could not be dropped (${(err as Error).message}); drop it by hand`,
      { cause: err },
    );
  }
  return { ...deleted, isolation, dropped };
}
