import pg from "pg";
import { createTenant, type CreateTenantInput } from "../../src/control/tenants.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import type { Plan } from "../../src/tenancy/tenant.ts";
import type { ScenarioData } from "./scenarios.ts";

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
 * its own sits next to it, so row-level security has rows to hide. Returns what the scenarios send.
 */
export async function seedBenchData(deps: AdminDeps, adminUrl: string, documents: number): Promise<BenchData> {
  const enterprise = await createTenant(deps, benchTenant("enterprise"));
  const free = await createTenant(deps, benchTenant("free"));
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const data = await addDocuments(client, enterprise.tenant.id, documents);
    await addDocuments(client, free.tenant.id, Math.min(documents, 20));
    return { ...data, slug: "bench-enterprise", apiKey: enterprise.apiKey, searchQuery: `${NEEDLE} revenue` };
  } finally {
    await client.end();
  }
}

function benchTenant(plan: Plan): CreateTenantInput {
  return {
    slug: `bench-${plan}`,
    name: `Bench ${plan}`,
    plan,
    rateLimitPerMinute: 1_000_000_000,
    keyName: "bench",
    // The bench makes its own workspace, named as it always was.
    defaultWorkspace: false,
  };
}

async function addDocuments(
  client: pg.Client,
  tenantId: string,
  documents: number,
): Promise<{ tenantId: string; workspaceId: string; documentIds: string[] }> {
  const workspace = await client.query<{ id: string }>(
    "insert into public.workspaces (tenant_id, name) values ($1, 'Bench') returning id",
    [tenantId],
  );
  const workspaceId = workspace.rows[0]!.id;
  // Bodies of ~1 KiB from a fixed vocabulary; every tenth mentions the needle twice, so ranking has work to do.
  const docs = await client.query<{ id: string }>(
    `insert into public.documents (tenant_id, workspace_id, title, body)
     select $1, $2, 'Document ' || g,
            repeat('The team reviewed the onboarding checklist, the incident log and the roadmap. ', 12) ||
            case when g % 10 = 0 then 'The ${NEEDLE} revenue report is attached; ${NEEDLE} targets were met.' else '' end
       from generate_series(1, $3::int) g
     returning id`,
    [tenantId, workspaceId, documents],
  );
  return { tenantId, workspaceId, documentIds: docs.rows.map((r) => r.id) };
}
