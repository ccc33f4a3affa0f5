import * as z from "zod";
import { renderMessage } from "../control/errors.ts";
import { getTenantLogin, setTenantLogin } from "../control/login.ts";
import { tenantLoginInput } from "../control/schemas.ts";
import { createWorkspace, deleteWorkspace, listWorkspaces, renameWorkspace } from "../control/workspaces.ts";
import { operation, page, pageQuery, type Operation } from "./operation.ts";

const TIER_NOTE =
  "A tenant on the database tier gets 409: its workspaces are in its own database, which only the admin CLI opens.";

const nameBody = z.strictObject({ name: z.string({ error: "must be text" }) });

/** The workspace and sign-in operations: the CLI's `workspace create|list|rename|delete` and `tenant login`. */
export const WORKSPACE_OPERATIONS: Operation[] = [
  operation({
    id: "listWorkspaces",
    method: "get",
    path: "/tenants/{slug}/workspaces",
    tag: "workspaces",
    summary: "List a tenant's workspaces, oldest first, archived ones included (paged)",
    description: TIER_NOTE,
    query: pageQuery,
    async run({ deps, params, query }) {
      return { body: page(await listWorkspaces(deps, params.slug as string), query) };
    },
  }),
  operation({
    id: "createWorkspace",
    method: "post",
    path: "/tenants/{slug}/workspaces",
    tag: "workspaces",
    summary: "Create a workspace for a tenant (not bound by MAX_WORKSPACES_PER_TENANT)",
    description: TIER_NOTE,
    action: "workspace.create",
    body: nameBody,
    status: 201,
    async run({ deps, params, body }) {
      const workspace = await createWorkspace(deps, params.slug as string, body.name);
      return { body: { workspace }, audit: { target: workspace.id } };
    },
  }),
  operation({
    id: "renameWorkspace",
    method: "patch",
    path: "/tenants/{slug}/workspaces/{workspace}",
    tag: "workspaces",
    summary: "Rename a tenant's workspace, given by id or current name",
    description: TIER_NOTE,
    action: "workspace.rename",
    body: nameBody,
    async run({ deps, params, body }) {
      const workspace = await renameWorkspace(deps, params.slug as string, params.workspace as string, body.name);
      return { body: { workspace }, audit: { target: workspace.id } };
    },
  }),
  operation({
    id: "deleteWorkspace",
    method: "delete",
    path: "/tenants/{slug}/workspaces/{workspace}",
    tag: "workspaces",
    summary: "Delete a tenant's workspace, given by id or name, and its documents; no undo",
    description: TIER_NOTE,
    action: "workspace.delete",
    query: z.object({
      confirm: z.literal("yes", { error: 'must be "yes": deleting a workspace removes its documents' }),
    }),
    async run({ deps, params }) {
      const deleted = await deleteWorkspace(deps, params.slug as string, params.workspace as string);
      return { body: { deleted }, audit: { target: deleted.id, detail: { documents: deleted.documents } } };
    },
  }),
  operation({
    id: "getTenantLogin",
    method: "get",
    path: "/tenants/{slug}/login",
    tag: "tenants",
    summary: "How a tenant's users sign in to connect OAuth clients (never the client secret)",
    async run({ deps, params }) {
      return { body: { login: await getTenantLogin(deps, params.slug as string) } };
    },
  }),
  operation({
    id: "setTenantLogin",
    method: "patch",
    path: "/tenants/{slug}/login",
    tag: "tenants",
    summary:
      "Change how a tenant's users sign in: OpenID Connect provider, e-mail domains, required claim, API-key sign-in",
    description:
      "`clientSecret` is sealed with the Worker's LOGIN_SECRET_KEY before it is stored, and never shown or recorded.",
    action: "tenant.login",
    body: tenantLoginInput.strict(),
    async run({ deps, params, body }) {
      const { login, warnings } = await setTenantLogin(deps, params.slug as string, body);
      return {
        body: { login, warnings: warnings.map((w) => renderMessage(w, (f) => f)) },
        // The fields changed, never their values: the client secret is among them.
        audit: { detail: { changed: Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined) } },
      };
    },
  }),
];
