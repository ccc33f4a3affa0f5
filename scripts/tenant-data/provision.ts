/**
 * Creating a tenant on any isolation tier (docs/isolation.md, "Provisioning"): its data location first, then the
 * tenant row that records it, so a failure at any point leaves nothing behind. `tenant create --isolation`, the dev
 * stack and the test fixtures all create tenants through {@link createTenantOn}.
 */
import { createTenant, type CreateTenantInput } from "../../src/control/tenants.ts";
import type { AdminDeps, TenantView } from "../../src/control/types.ts";
import { DEFAULT_WORKSPACE_NAME, toWorkspaceView, type WorkspaceView } from "../../src/control/workspaces.ts";
import { connect, quoteIdent } from "../migrate/database.ts";
import type { DataAdmin } from "./data-admin.ts";
import { discardLocation, prepareLocation, type Placement, type PreparedLocation } from "./location.ts";
import { asOwner, sealData } from "./locations.ts";

export type { DataAdmin } from "./data-admin.ts";
export type { Placement } from "./location.ts";

/** What {@link createTenantOn} made. The API key is shown once and never stored. */
export interface CreatedTenant {
  tenant: TenantView;
  keyId: string;
  apiKey: string;
  /** The first workspace ("Default"), in the tenant's own location; null with `defaultWorkspace: false`. */
  workspace: WorkspaceView | null;
}

/**
 * Creates a tenant with its data on `placement`'s tier: prepares the location (schema or database, see
 * prepareLocation), makes the first workspace there, then records the tenant, its first key and its location (the
 * database's connection strings sealed under `admin.dataSecretKey`) in one transaction of the main database. Any
 * failure (a taken slug too) removes the prepared location before it throws. `shared` is plain `createTenant`.
 */
export async function createTenantOn(
  deps: AdminDeps,
  admin: DataAdmin,
  input: CreateTenantInput,
  placement: Placement,
): Promise<CreatedTenant> {
  if (placement.isolation === "shared") return createTenant(deps, input);
  const id = crypto.randomUUID();
  const prepared = await prepareLocation(admin, id, placement);
  try {
    const workspace = input.defaultWorkspace === false ? null : await insertDefaultWorkspace(admin, id, prepared);
    const created = await createTenant(deps, input, {
      id,
      isolation: prepared.isolation as "schema" | "database",
      dataSchema: prepared.schema,
      sealedDataUrl: prepared.dataUrl ? await sealData(admin.dataSecretKey, id, prepared.dataUrl) : null,
      sealedAdminUrl: prepared.adminUrl ? await sealData(admin.dataSecretKey, id, prepared.adminUrl) : null,
    });
    return { ...created, workspace };
  } catch (e) {
    await discardLocation(admin, prepared).catch((cleanup: unknown) => {
      (admin.log ?? (() => {}))(`could not remove the prepared location: ${(cleanup as Error).message}`);
    });
    throw e;
  }
}

async function insertDefaultWorkspace(admin: DataAdmin, id: string, at: PreparedLocation): Promise<WorkspaceView> {
  const client = await connect(at.adminUrl ?? admin.adminDatabaseUrl, "tenant-mcp-admin");
  try {
    const table = `${quoteIdent(at.schema ?? "public")}.workspaces`;
    const { rows } = await asOwner(client, id, () =>
      client.query(
        `INSERT INTO ${table} AS w (name) VALUES ($1)
         RETURNING w.id, w.name, w.created_at, w.archived_at, 0 AS document_count`,
        [DEFAULT_WORKSPACE_NAME],
      ),
    );
    return toWorkspaceView(rows[0] as Record<string, unknown>);
  } finally {
    await client.end().catch(() => {});
  }
}
