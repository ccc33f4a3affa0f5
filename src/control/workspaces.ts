import { workspaceNameProblem } from "../tools/core/workspaces.ts";
import { ControlError, field, invalid, says } from "./errors.ts";
import type { AdminDeps } from "./types.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { iso, isoOrNull } from "../db/timestamps.ts";
import { checkLabel } from "./text.ts";
import { refuseWhileMoving, tenantDataAccess } from "./data-location.ts";
import { publishTenantEvents } from "../streams/events.ts";

/** Name of the workspace `tenant create` makes with every new tenant (unless told not to). */
export const DEFAULT_WORKSPACE_NAME = "Default";

/** A workspace as the CLI shows it. Times are ISO 8601. */
export interface WorkspaceView {
  id: string;
  name: string;
  documentCount: number;
  createdAt: string;
  /** Null while in use; archived workspaces are hidden from `list_workspaces` and take no new documents. */
  archivedAt: string | null;
}

/** The columns the CLI shows, from the workspaces and documents in `schema` (quoted, see TenantDataAccess). */
const columns = (schema: string): string => `w.id, w.name, w.created_at, w.archived_at,
  (select count(*) from ${schema}.documents as d where d.workspace_id = w.id)::int as document_count`;

/**
 * Inserts a workspace named `$1` for the tenant in app.tenant_id. The row comes from a select of the one tenant row
 * the owner can see, so under row-level security it lands in the tenant in scope, or nowhere when the scope names no
 * tenant. Shared with `tenant create`, which runs it in the transaction that makes the tenant.
 */
export const INSERT_WORKSPACE_SQL = `insert into public.workspaces as w (name) select $1 from public.tenants returning ${columns("public")}`;

/**
 * Picks one workspace of the tenant in scope by id or by name (ignoring case, as uniqueness does); an id match wins.
 * `$1` is the reference.
 */
const pick = (schema: string): string => `select w.id from ${schema}.workspaces as w
   where w.id::text = lower($1) or lower(w.name) = lower($1)
   order by (w.id::text = lower($1)) desc limit 1`;

/** A row selected with the workspace columns as the CLI shows it. */
export function toWorkspaceView(row: Row): WorkspaceView {
  return {
    id: String(row.id),
    name: String(row.name),
    documentCount: Number(row.document_count ?? 0),
    createdAt: iso(row.created_at),
    archivedAt: isoOrNull(row.archived_at),
  };
}

/**
 * The name, trimmed, when it follows the tools' rules (sql/006 enforces the same) and holds no API key (the CLI would
 * store and show it in clear, like any label); else a usage error that does not quote it.
 */
export function checkWorkspaceName(name: string, fieldName = "name"): string {
  const trimmed = name.trim();
  const problem = workspaceNameProblem(trimmed);
  if (problem) throw invalid(fieldName, says`${field(fieldName)} ${problem}`);
  checkLabel(trimmed, fieldName);
  return trimmed;
}

/**
 * Creates a workspace for a tenant. Not bound by the Worker's MAX_WORKSPACES_PER_TENANT: that caps what a tenant does
 * through its key, not what its operator does.
 */
export async function createWorkspace(deps: AdminDeps, slug: string, name: string): Promise<WorkspaceView> {
  const checked = checkWorkspaceName(name);
  const at = await tenantDataAccess(deps, slug);
  refuseWhileMoving(at, slug);
  const { results } = await named(
    slug,
    checked,
    ownerTransaction(at.sql, { tenantId: at.tenantId }, [
      {
        text: `insert into ${at.schema}.workspaces as w (name) values ($1) returning ${columns(at.schema)}`,
        params: [checked],
      },
    ]),
  );
  return toWorkspaceView(found(at.tenantId, results[0], slug, checked));
}

/** A tenant's workspaces, oldest first, archived ones included, wherever its tier keeps them. */
export async function listWorkspaces(deps: AdminDeps, slug: string): Promise<WorkspaceView[]> {
  const at = await tenantDataAccess(deps, slug);
  const { results } = await ownerTransaction(at.sql, { tenantId: at.tenantId }, [
    { text: `select ${columns(at.schema)} from ${at.schema}.workspaces as w order by w.created_at, w.id` },
  ]);
  return (results[0] ?? []).map(toWorkspaceView);
}

/** Renames a tenant's workspace, given by id or current name. */
export async function renameWorkspace(
  deps: AdminDeps,
  slug: string,
  workspace: string,
  name: string,
): Promise<WorkspaceView> {
  const checked = checkWorkspaceName(name);
  const at = await tenantDataAccess(deps, slug);
  refuseWhileMoving(at, slug);
  const { results } = await named(
    slug,
    checked,
    ownerTransaction(at.sql, { tenantId: at.tenantId }, [
      {
        text: `update ${at.schema}.workspaces as w set name = $2 where w.id = (${pick(at.schema)}) returning ${columns(at.schema)}`,
        params: [workspace, checked],
      },
    ]),
  );
  return toWorkspaceView(found(at.tenantId, results[0], slug, workspace));
}

/** Deletes a tenant's workspace, given by id or name, and its documents (ON DELETE CASCADE). No undo. */
export async function deleteWorkspace(
  deps: AdminDeps,
  slug: string,
  workspace: string,
): Promise<{ id: string; name: string; documents: number }> {
  const at = await tenantDataAccess(deps, slug);
  refuseWhileMoving(at, slug);
  const { results } = await ownerTransaction(at.sql, { tenantId: at.tenantId }, [
    {
      text: `delete from ${at.schema}.workspaces as w where w.id = (${pick(at.schema)}) returning ${columns(at.schema)}`,
      params: [workspace],
    },
  ]);
  const row = toWorkspaceView(found(at.tenantId, results[0], slug, workspace));
  // Its documents went with it: the tenant's open notification streams learn that the resource list changed. Best
  // effort: the deletion stands whatever Redis does, and clients see it on their next resources/list.
  if (row.documentCount > 0) {
    await publishTenantEvents(
      deps.shards.forTenant(at.tenantId),
      at.tenantId,
      [{ kind: "resources_list_changed" }],
      Date.now(),
    ).catch(() => undefined);
  }
  return { id: row.id, name: row.name, documents: row.documentCount };
}

/** Turns the unique-name violation of a write into a message that says which name. */
async function named<T>(slug: string, name: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if ((err as { code?: string }).code === "23505") {
      throw new ControlError(
        "conflict",
        `tenant "${slug}" already has a workspace named "${name}" (names ignore case)`,
        { field: "name", cause: err },
      );
    }
    throw err;
  }
}

/** The one row a write returned; none means the slug or the workspace names nothing. */
function found(tenantId: string | null, rows: Row[] | undefined, slug: string, workspace: string): Row {
  if (tenantId === null) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  const row = rows?.[0];
  if (!row)
    throw new ControlError("not_found", `tenant "${slug}" has no workspace "${workspace}" (give its id or name)`, {
      field: "workspace",
    });
  return row;
}
