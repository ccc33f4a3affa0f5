import pg from "pg";
import { createApiKey } from "../../scripts/lib/tenant-keys.ts";
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
 * Creates the bench's tenants as an operator would (superuser connection): an enterprise tenant (every tool) with a
 * rate limit no run can reach, one workspace with `documents` documents of about 1 KiB each, and an API key minted
 * with the Worker's pepper. A free-plan tenant with a few documents of its own sits next to it, so row-level
 * security has rows to hide. Returns what the scenarios send.
 */
export async function seedBenchData(adminUrl: string, pepper: string, documents: number): Promise<BenchData> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const enterprise = await createTenant(client, "bench-enterprise", "enterprise", documents);
    await createTenant(client, "bench-free", "free", Math.min(documents, 20));
    const { apiKey } = await createApiKey(client, { tenantId: enterprise.tenantId, name: "bench", pepper });
    return { ...enterprise, slug: "bench-enterprise", apiKey, searchQuery: `${NEEDLE} revenue` };
  } finally {
    await client.end();
  }
}

async function createTenant(
  client: pg.Client,
  slug: string,
  plan: string,
  documents: number,
): Promise<{ tenantId: string; workspaceId: string; documentIds: string[] }> {
  const tenant = await client.query<{ id: string }>(
    "insert into public.tenants (slug, name, plan, rate_limit_per_minute) values ($1, $2, $3, 1000000000) returning id",
    [slug, `Bench ${plan}`, plan],
  );
  const tenantId = tenant.rows[0]!.id;
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
