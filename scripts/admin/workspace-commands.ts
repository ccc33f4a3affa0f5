import { usageError } from "./admin-error.ts";
import {
  createWorkspace,
  deleteWorkspace,
  listWorkspaces,
  renameWorkspace,
  type WorkspaceView,
} from "../../src/control/workspaces.ts";
import { required, type Command } from "./command.ts";
import { fields, table, when, type Output } from "./output.ts";

const NAME_HELP = `  --name <name>         1-100 characters, no control or bidirectional-override characters; unique within the
                        tenant, ignoring case`;

/** A workspace's detail lines. */
function describe(w: WorkspaceView): [string, string][] {
  return [
    ["id", w.id],
    ["name", w.name],
    ["documents", String(w.documentCount)],
    ["created", when(w.createdAt)],
    ["archived", when(w.archivedAt)],
  ];
}

function workspaceOutput(w: WorkspaceView): Output {
  return { json: { workspace: w }, human: fields(describe(w)) };
}

/** The `workspace ...` commands. */
export const WORKSPACE_COMMANDS: Command[] = [
  {
    words: ["workspace", "create"],
    args: ["slug"],
    options: { name: { type: "string" } },
    summary: "create a workspace for a tenant",
    synopsis: "<slug> --name <name>",
    details: `The tenant can use it at once (list_workspaces, create_document). Not bound by the Worker's
MAX_WORKSPACES_PER_TENANT, which limits what tenants create themselves.

${NAME_HELP}
JSON: {"workspace": {"id", "name", "documentCount", "createdAt", "archivedAt"}}`,
    async run(deps, [slug], values) {
      return workspaceOutput(await createWorkspace(deps, slug as string, required(values, "name")));
    },
  },
  {
    words: ["workspace", "list"],
    args: ["slug"],
    options: {},
    summary: "list a tenant's workspaces, archived ones too",
    synopsis: "<slug>",
    details: `Oldest first. ARCHIVED is when the tenant archived it (update_workspace); "-" while in use.
JSON: {"workspaces": [...]}`,
    async run(deps, [slug]) {
      const workspaces = await listWorkspaces(deps, slug as string);
      const rows = workspaces.map((w) => [
        w.id,
        w.name,
        String(w.documentCount),
        when(w.createdAt),
        when(w.archivedAt),
      ]);
      return {
        json: { workspaces },
        human: workspaces.length ? table(["id", "name", "documents", "created", "archived"], rows) : "no workspaces",
      };
    },
  },
  {
    words: ["workspace", "rename"],
    args: ["slug", "workspace"],
    options: { name: { type: "string" } },
    summary: "rename a tenant's workspace",
    synopsis: "<slug> <workspace id or name> --name <new name>",
    details: `${NAME_HELP}
JSON: {"workspace": {...}}`,
    async run(deps, [slug, workspace], values) {
      return workspaceOutput(
        await renameWorkspace(deps, slug as string, workspace as string, required(values, "name")),
      );
    },
  },
  {
    words: ["workspace", "delete"],
    args: ["slug", "workspace"],
    options: { yes: { type: "boolean" } },
    summary: "delete a tenant's workspace and its documents",
    synopsis: "<slug> <workspace id or name> --yes",
    details: `Deletes the workspace and every document in it. There is no undo (archiving, which the tenant can do with
update_workspace, hides a workspace without deleting anything).

  --yes                 required: confirms the deletion
JSON: {"deleted": {"id": "...", "name": "...", "documents": <n>}}`,
    async run(deps, [slug, workspace], values) {
      if (values.yes !== true)
        throw usageError(`deleting workspace "${workspace}" removes its documents; add --yes to confirm`);
      const deleted = await deleteWorkspace(deps, slug as string, workspace as string);
      return {
        json: { deleted },
        human: `deleted workspace "${deleted.name}" (${deleted.id}) of ${slug} and its ${deleted.documents} document${deleted.documents === 1 ? "" : "s"}`,
      };
    },
  },
];
