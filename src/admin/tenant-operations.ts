import * as z from "zod";
import { renderMessage } from "../control/errors.ts";
import { createTenantInput, updateTenantInput } from "../control/schemas.ts";
import {
  createTenant,
  deleteSharedTenant,
  getTenant,
  listTenants,
  setTenantStatus,
  updateTenant,
} from "../control/tenants.ts";
import { operation, page, pageQuery, type Operation } from "./operation.ts";

const TIER_NOTE =
  "The isolation tier (`isolation`, `dataSchema`, `dataMovingSince`) is read-only here: creating a tenant on the schema or database tier, moving one (`tenant move`) and deleting one there need the main database's admin login over TCP, which the Worker never holds, so they stay with the admin CLI.";

/** The tenant operations: the CLI's `tenant create|list|show|update|suspend|resume|delete`. */
export const TENANT_OPERATIONS: Operation[] = [
  operation({
    id: "listTenants",
    method: "get",
    path: "/tenants",
    tag: "tenants",
    summary: "List tenants, by slug",
    query: pageQuery,
    async run({ deps, query }) {
      return { body: page(await listTenants(deps), query) };
    },
  }),
  operation({
    id: "createTenant",
    method: "post",
    path: "/tenants",
    tag: "tenants",
    summary: "Create a tenant, its first API key (returned once) and its first workspace",
    description: `Always on the shared tier. ${TIER_NOTE}`,
    action: "tenant.create",
    body: createTenantInput.strict(),
    status: 201,
    async run({ deps, body }) {
      const made = await createTenant(deps, body);
      return {
        body: made,
        audit: { tenantSlug: made.tenant.slug, tenantId: made.tenant.id, target: made.keyId },
      };
    },
  }),
  operation({
    id: "getTenant",
    method: "get",
    path: "/tenants/{slug}",
    tag: "tenants",
    summary: "Show one tenant",
    description: TIER_NOTE,
    async run({ deps, params }) {
      return { body: { tenant: await getTenant(deps, params.slug as string) } };
    },
  }),
  operation({
    id: "updateTenant",
    method: "patch",
    path: "/tenants/{slug}",
    tag: "tenants",
    summary: "Change plan, feature overrides, rate limit, monthly quota or name",
    description: `Takes effect on the tenant's next request. \`warnings\` names overrides that hide a feature of a new plan. ${TIER_NOTE}`,
    action: "tenant.update",
    body: updateTenantInput.strict(),
    async run({ deps, params, body }) {
      const { tenant, warnings } = await updateTenant(deps, params.slug as string, body);
      return {
        body: { tenant, warnings: warnings.map((w) => renderMessage(w, (f) => f)) },
        audit: { tenantSlug: tenant.slug, tenantId: tenant.id, detail: { changed: Object.keys(body) } },
      };
    },
  }),
  ...(["suspend", "resume"] as const).map((verb) =>
    operation({
      id: `${verb}Tenant`,
      method: "post",
      path: `/tenants/{slug}/${verb}`,
      tag: "tenants",
      summary:
        verb === "suspend"
          ? "Suspend a tenant: every request of it gets 403 from the next one on"
          : "Resume a suspended tenant",
      action: `tenant.${verb}`,
      async run({ deps, params }) {
        const tenant = await setTenantStatus(deps, params.slug as string, verb === "suspend" ? "suspended" : "active");
        return { body: { tenant }, audit: { tenantSlug: tenant.slug, tenantId: tenant.id } };
      },
    }),
  ),
  operation({
    id: "deleteTenant",
    method: "delete",
    path: "/tenants/{slug}",
    tag: "tenants",
    summary: "Delete a tenant on the shared tier and all of its data",
    description: `There is no undo. A tenant on the schema or database tier gets 409: delete it with the admin CLI. ${TIER_NOTE}`,
    action: "tenant.delete",
    query: z.object({
      confirm: z.literal("yes", { error: 'must be "yes": deleting a tenant removes all of its data' }),
    }),
    async run({ deps, params }) {
      const deleted = await deleteSharedTenant(deps, params.slug as string);
      return { body: { deleted }, audit: { tenantSlug: deleted.slug, tenantId: deleted.id } };
    },
  }),
];
