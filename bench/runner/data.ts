import pg from "pg";
import { createTenant, type CreateTenantInput } from "../../src/control/tenants.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import type { Plan } from "../../src/tenancy/tenant.ts";
import { tenantSchemaName } from "../../scripts/tenant-data/data-files.ts";
import { databaseUrls } from "../../scripts/tenant-data/location.ts";
import { createTenantOn, type DataAdmin } from "../../scripts/tenant-data/provision.ts";
import type { DedicatedTier, ScenarioData, TierTenant } from "./scenarios.ts";

/** The bench tenant and what the scenarios need of it. */
export interface BenchData extends ScenarioData {
  tenantId: string;
  /** The tenant's slug (typed on the OAuth sign-in page). */
  slug: string;
  workspaceId: string;
  apiKey: string;
}

/** The word every tenth document contains, so a search has a few winners among many rows. */
const NEEDLE = "quarterly";

/**
 * Creates the bench's tenants and their keys through the control plane, as an operator would: an enterprise tenant
 * (every tool) with a rate limit no run can reach, and its API key minted with the Worker's pepper; then, as the
 * superuser, one workspace with `documents` documents of about 1 KiB each. A free-plan tenant with a few documents of
 * its own sits next to it, so row-level security has rows to hide. For each tier in `tiers`, one more enterprise tenant
 * of the same shape whose data is on that tier (its own schema, or its own database), created as
 * `tenant create --isolation` does with `admin` (the local cloud's superuser and the Worker's DATA_SECRET_KEY).
 * Returns what the scenarios send.
 */
export async function seedBenchData(
  deps: AdminDeps,
  adminUrl: string,
  documents: number,
  tiers: DedicatedTier[] = [],
  admin?: DataAdmin,
): Promise<BenchData> {
  const enterprise = await createTenant(deps, benchTenant("enterprise", "bench-enterprise"));
  const free = await createTenant(deps, benchTenant("free", "bench-free"));
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const data = await addDocuments(client, enterprise.tenant.id, documents);
    await addDocuments(client, free.tenant.id, Math.min(documents, 20));
    const placed: Partial<Record<DedicatedTier, TierTenant>> = {};
    for (const tier of tiers) {
      if (!admin) throw new Error("a tenant on a tier of its own needs the data admin");
      const tenant = await createTenantOn(deps, admin, benchTenant("enterprise", `bench-${tier}`), { isolation: tier });
      const id = tenant.tenant.id;
      const at = new pg.Client({
        connectionString: tier === "database" ? databaseUrls(admin, id, { isolation: tier }).adminUrl : adminUrl,
      });
      await at.connect();
      try {
        const schema = tier === "schema" ? tenantSchemaName(id) : "public";
        placed[tier] = {
          apiKey: tenant.apiKey,
          documentIds: (await addDocuments(at, id, documents, schema)).documentIds,
        };
      } finally {
        await at.end();
      }
    }
    return {
      ...data,
      slug: "bench-enterprise",
      apiKey: enterprise.apiKey,
      searchQuery: `${NEEDLE} revenue`,
      ...(tiers.length ? { tiers: placed } : {}),
    };
  } finally {
    await client.end();
  }
}

function benchTenant(plan: Plan, slug: string): CreateTenantInput {
  return {
    slug,
    name: `Bench ${slug.slice("bench-".length)}`,
    plan,
    rateLimitPerMinute: 1_000_000_000,
    keyName: "bench",
    // The bench makes its own workspace, named as it always was.
    defaultWorkspace: false,
  };
}

/** Adds the bench workspace and its documents to a tenant's tables in `schema` (public, or its own schema). */
async function addDocuments(
  client: pg.Client,
  tenantId: string,
  documents: number,
  schema = "public",
): Promise<{ tenantId: string; workspaceId: string; documentIds: string[] }> {
  if (!/^(public|tenant_[0-9a-f]{32})$/.test(schema)) throw new Error(`not a tenant data schema: ${schema}`);
  const workspace = await client.query<{ id: string }>(
    `insert into ${schema}.workspaces (tenant_id, name) values ($1, 'Bench') returning id`,
    [tenantId],
  );
  const workspaceId = workspace.rows[0]!.id;
  // Bodies of ~1 KiB from a fixed vocabulary; every tenth mentions the needle twice, so ranking has work to do.
  const docs = await client.query<{ id: string }>(
    `insert into ${schema}.documents (tenant_id, workspace_id, title, body)
     select $1, $2, 'Document ' || g,
            repeat('The team reviewed the onboarding checklist, the incident log and the roadmap. ', 12) ||
            case when g % 10 = 0 then 'The ${NEEDLE} revenue report is attached; ${NEEDLE} targets were met.' else '' end
       from generate_series(1, $3::int) g
     returning id`,
    [tenantId, workspaceId, documents],
  );
  return { tenantId, workspaceId, documentIds: docs.rows.map((r) => r.id) };
}
