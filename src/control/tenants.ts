import { mintApiKey } from "../auth/api-key.ts";
import { DEFAULT_KEY_SCOPES } from "../auth/scopes.ts";
import type { Plan } from "../tenancy/tenant.ts";
import { MONTHLY_QUOTA_SETTING } from "../quota/plans.ts";
import { ControlError, field, invalid, says, type MessageParts } from "./errors.ts";
import type { AdminDeps, TenantView } from "./types.ts";
import { hiddenPlanFeatures } from "./features.ts";
import type { Statement } from "../db/tenant-db.ts";
import { ownerTransaction, type Row } from "./owner-sql.ts";
import { TENANT_SELECT, toTenantView } from "./rows.ts";
import { INSERT_KEY_SQL } from "./keys.ts";
import {
  createTenantInput,
  parseInput,
  updateTenantInput,
  type CreateTenantInput,
  type UpdateTenantInput,
} from "./schemas.ts";
import { invalidateWorkerCache, purgeTenantState } from "./worker-cache.ts";
import { LISTS_CHANGED, publishTenantEvents } from "../streams/events.ts";
import { DEFAULT_WORKSPACE_NAME, INSERT_WORKSPACE_SQL, toWorkspaceView, type WorkspaceView } from "./workspaces.ts";

export type { CreateTenantInput, UpdateTenantInput } from "./schemas.ts";

/** What `tenant update` did: the tenant as it is now, and what the operator should know about the result. */
export interface TenantUpdate {
  tenant: TenantView;
  /** One line each, e.g. an override that hides a feature of the tenant's new plan; render with `renderMessage`. */
  warnings: MessageParts[];
}

/**
 * A data location already prepared for a new tenant (scripts/tenant-data/), to record with it: its schema, or its
 * database's connection strings sealed under DATA_SECRET_KEY for the tenant id.
 */
export interface NewTenantLocation {
  /** The id the location was prepared for; the tenant gets it. */
  id: string;
  isolation: "schema" | "database";
  dataSchema: string | null;
  sealedDataUrl: string | null;
  sealedAdminUrl: string | null;
}

/**
 * Creates a tenant, its first API key and (unless `defaultWorkspace` is false) its first workspace in one transaction.
 * The key is returned once and never stored. With `location`, the tenant's data is there (its first workspace is the
 * caller's to make there) and the tenant row records it.
 */
export async function createTenant(
  deps: AdminDeps,
  raw: CreateTenantInput,
  location?: NewTenantLocation,
): Promise<{ tenant: TenantView; keyId: string; apiKey: string; workspace: WorkspaceView | null }> {
  const input = parseInput(createTenantInput, raw);
  const id = location?.id ?? crypto.randomUUID();
  const key = await mintApiKey(deps.pepper);
  const workspaceHere = input.defaultWorkspace !== false && !location;
  try {
    const { results } = await ownerTransaction(deps.sql, { tenantId: id }, [
      {
        text: `insert into public.tenants (id, slug, name, plan, features_add, features_remove, rate_limit_per_minute,
                                           isolation, data_schema, data_url)
               values ($1, $2, $3, $4, $5, $6, coalesce($7::int, 60), $8, $9, $10)`,
        params: [
          id,
          input.slug,
          input.name,
          input.plan,
          input.features?.add ?? [],
          input.features?.remove ?? [],
          input.rateLimitPerMinute ?? null,
          location?.isolation ?? "shared",
          location?.dataSchema ?? null,
          location?.sealedDataUrl ?? null,
        ],
      },
      {
        text: INSERT_KEY_SQL,
        params: [key.keyId, input.keyName ?? "default", key.secretHash, null, DEFAULT_KEY_SCOPES],
      },
      { text: TENANT_SELECT },
      ...(workspaceHere ? [{ text: INSERT_WORKSPACE_SQL, params: [DEFAULT_WORKSPACE_NAME] }] : []),
      ...(location?.sealedAdminUrl
        ? [{ text: "insert into public.tenant_databases (admin_url) values ($1)", params: [location.sealedAdminUrl] }]
        : []),
    ]);
    const workspace = workspaceHere ? results[3]?.[0] : undefined;
    return {
      tenant: toTenantView(one(results[2], input.slug)),
      keyId: key.keyId,
      apiKey: key.apiKey,
      workspace: workspace ? toWorkspaceView(workspace) : null,
    };
  } catch (err) {
    if ((err as { code?: string }).code === "23505")
      throw new ControlError("conflict", `a tenant with slug "${input.slug}" already exists`, {
        field: "slug",
        cause: err,
      });
    throw err;
  }
}

/** Every tenant, by slug, through the operator directory. */
export async function listTenants(deps: AdminDeps): Promise<TenantView[]> {
  const { results } = await ownerTransaction(deps.sql, { directory: true }, [
    { text: "select * from public.directory_tenants()" },
  ]);
  return (results[0] ?? []).map(toTenantView);
}

/** One tenant by slug. */
export async function getTenant(deps: AdminDeps, slug: string): Promise<TenantView> {
  const { results } = await ownerTransaction(deps.sql, { slug }, [{ text: TENANT_SELECT }]);
  return toTenantView(one(results[0], slug));
}

/**
 * Changes name, plan, feature overrides and/or rate limit, then invalidates the Worker's cached lookups of every key
 * of the tenant, so the next request (also inside an open session) sees the new tools and limit. Warns when a plan
 * change leaves a removal override that hides a feature of the new plan (one the operator did not remove just now).
 */
export async function updateTenant(deps: AdminDeps, slug: string, raw: UpdateTenantInput): Promise<TenantUpdate> {
  const input = parseInput(updateTenantInput, raw);
  if (Object.values(input).every((v) => v === undefined)) {
    throw invalid(
      undefined,
      says`nothing to change: give ${field("name")}, ${field("plan")}, ${field("features")}, ${field("rateLimitPerMinute")} or ${field("monthlyQuota")}`,
    );
  }
  const f = input.features;
  const add = f?.add ?? [];
  const remove = f?.remove ?? [];
  // `=plan` empties both lists first and `~name` drops a name from both; then an added feature leaves the removals
  // and a removed one leaves the additions, so the latest word wins. (The parser refuses one name with two signs.)
  const { tenant, before } = await changeTenant(
    deps,
    slug,
    {
      text: `update public.tenants set
               name = coalesce($1, name),
               plan = coalesce($2, plan),
               rate_limit_per_minute = coalesce($3::int, rate_limit_per_minute),
               features_add = array(select distinct f
                                      from unnest(case when $6::boolean then '{}'::text[] else features_add end || $4::text[]) as f
                                     where f <> all($5::text[] || $7::text[]) order by f),
               features_remove = array(select distinct f
                                         from unnest(case when $6::boolean then '{}'::text[] else features_remove end || $5::text[]) as f
                                        where f <> all($4::text[] || $7::text[]) order by f),
               config = case when $8::jsonb is null then config
                             when $8::jsonb = '"plan"'::jsonb then config - '${MONTHLY_QUOTA_SETTING}'
                             else config || jsonb_build_object('${MONTHLY_QUOTA_SETTING}', $8::jsonb) end`,
      params: [
        input.name ?? null,
        input.plan ?? null,
        input.rateLimitPerMinute ?? null,
        add,
        remove,
        f?.reset ?? false,
        f?.clear ?? [],
        input.monthlyQuota === undefined ? null : JSON.stringify(input.monthlyQuota),
      ],
    },
    { text: "select plan from public.tenants" },
  );
  const warnings: MessageParts[] = [];
  // The tenant's open notification streams learn that its lists may differ now (src/streams/).
  if (input.plan !== undefined || f !== undefined) {
    await publishTenantEvents(deps.shards.forTenant(tenant.id), tenant.id, LISTS_CHANGED, Date.now()).catch(() =>
      warnings.push(
        says`open notification streams were not told of the change (Redis failed); clients see it on their next list request`,
      ),
    );
  }
  if (input.plan !== undefined && before?.plan !== tenant.plan) {
    const hidden = hiddenPlanFeatures(tenant.plan as Plan, tenant.featuresRemove).filter((x) => !remove.includes(x));
    for (const x of hidden) {
      warnings.push(
        says`the override -${x} still hides ${x}, which the ${tenant.plan} plan includes; drop it with ${field("features")} ~${x} (or ${field("features")} =plan to drop every override)`,
      );
    }
  }
  return { tenant, warnings };
}

/** Suspends (every request gets 403 from the next one on) or resumes a tenant. Idempotent. */
export async function setTenantStatus(
  deps: AdminDeps,
  slug: string,
  status: "active" | "suspended",
): Promise<TenantView> {
  return (await changeTenant(deps, slug, { text: "update public.tenants set status = $1", params: [status] })).tenant;
}

/**
 * Deletes a tenant and all of its data: every tenant table references `tenants` (directly or through its parent)
 * with ON DELETE CASCADE, and the delete runs under the tenant's own scope. Then clears its state in Redis.
 */
export async function deleteTenant(deps: AdminDeps, slug: string): Promise<{ id: string; slug: string }> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    { text: "select id from public.api_keys" },
    { text: "delete from public.tenants returning id, slug" },
  ]);
  const deleted = one(results[1], slug);
  await purgeTenantState(deps.shards, tenantId as string, keyIds(results[0]));
  return { id: String(deleted.id), slug: String(deleted.slug) };
}

/** What deleting a tenant involves: where its data lives (see {@link deletionPlan}). */
export interface DeletionPlan {
  tenantId: string;
  isolation: "shared" | "schema" | "database";
  /** Its schema, on the schema tier. */
  dataSchema: string | null;
  /** Its database's admin connection string sealed under DATA_SECRET_KEY, on the database tier. */
  sealedAdminUrl: string | null;
}

/**
 * What deleting tenant `slug` involves, read before anything is deleted. Refuses while a move of the tenant is
 * unfinished (`tenant move --abort` first).
 */
export async function deletionPlan(deps: AdminDeps, slug: string): Promise<DeletionPlan> {
  const { tenantId, results } = await ownerTransaction(deps.sql, { slug }, [
    {
      text: `select t.isolation, t.data_schema,
                    (select d.admin_url from public.tenant_databases as d) as admin_url,
                    exists (select 1 from public.tenant_moves) as moving
               from public.tenants as t`,
    },
  ]);
  const row = results[0]?.[0];
  if (tenantId === null || !row)
    throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  if (row.moving === true) {
    throw new ControlError(
      "conflict",
      `tenant "${slug}" has an unfinished move: run \`tenant move ${slug} --abort\` first`,
    );
  }
  return {
    tenantId,
    isolation: row.isolation as DeletionPlan["isolation"],
    dataSchema: (row.data_schema as string | null) ?? null,
    sealedAdminUrl: (row.admin_url as string | null) ?? null,
  };
}

/**
 * Deletes a tenant on the shared tier (its rows, by cascade, and its Redis state), as the operator API may: a tenant
 * on the schema or database tier also has a schema or database to drop, which needs the main database's admin login
 * over TCP, so only the admin CLI (`tenant delete`, scripts/tenant-data/delete.ts) deletes those.
 */
export async function deleteSharedTenant(deps: AdminDeps, slug: string): Promise<{ id: string; slug: string }> {
  const plan = await deletionPlan(deps, slug);
  if (plan.isolation !== "shared") {
    throw new ControlError(
      "conflict",
      `tenant "${slug}" is on the ${plan.isolation} tier: deleting it drops its ${plan.isolation}, which needs the main database's admin login; use \`npm run admin -- tenant delete ${slug} --yes\``,
    );
  }
  return deleteTenant(deps, slug);
}

/**
 * Runs one UPDATE of the tenant in scope (after `before`, a read of the row as it was, when given), reads it back and
 * its key ids, then invalidates those keys' lookups.
 */
async function changeTenant(
  deps: AdminDeps,
  slug: string,
  update: Statement,
  before?: Statement,
): Promise<{ tenant: TenantView; before?: Row }> {
  const { results } = await ownerTransaction(deps.sql, { slug }, [
    ...(before ? [before] : []),
    update,
    { text: TENANT_SELECT },
    { text: "select id from public.api_keys" },
  ]);
  const [old, , read, keys] = before ? results : [undefined, ...results];
  const tenant = toTenantView(one(read, slug));
  await invalidateWorkerCache(deps.shards, keyIds(keys), [tenant.id]);
  return { tenant, before: old?.[0] };
}

function keyIds(rows: Row[] | undefined): string[] {
  return (rows ?? []).map((r) => String(r.id));
}

/** The single row of a tenant-scoped read; none means the slug names no tenant. */
function one(rows: Row[] | undefined, slug: string): Row {
  const row = rows?.[0];
  if (!row) throw new ControlError("not_found", `no tenant with slug "${slug}"`, { field: "slug" });
  return row;
}
