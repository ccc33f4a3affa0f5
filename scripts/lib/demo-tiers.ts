/**
 * The demo tenants' isolation tiers (docs/isolation.md): `npm run dev` shows all three, so `globex` lives in a schema
 * of its own, `acme` in a database of its own and `initech` stays on the shared tier. The seed puts every demo tenant
 * on the shared tier; this moves them the way an operator would (`npm run admin -- tenant move`).
 */
import { getTenant } from "../../src/control/tenants.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import { dataAdminOf } from "../admin/tier-options.ts";
import { moveTenant } from "../tenant-data/move.ts";

/** Where each demo tenant's data lives in the dev stack; a tenant not named here stays shared. */
export const DEMO_TIERS = { globex: "schema", acme: "database" } as const;

/**
 * Moves each demo tenant that is still on the shared tier to its tier in {@link DEMO_TIERS} (the database tier on a
 * database `<main database>_<tenant id>` of the local server, created by the move). A tenant already elsewhere is
 * left where it is: placed by an earlier run, or moved by the developer. An unfinished move (a dev stack stopped in
 * the middle of one) is recovered by the move itself. On the embedded PGlite nothing moves: it serves one database
 * over one connection, so there is no second database, and a move (which fences on one connection and waits out
 * writes on another) cannot run.
 */
export async function placeDemoTenants(
  deps: AdminDeps,
  engine: "server" | "pglite",
  log: (line: string) => void,
): Promise<void> {
  if (engine === "pglite") {
    log(
      "isolation tiers: every demo tenant stays shared on the embedded PGlite (tenant move needs a PostgreSQL server)",
    );
    return;
  }
  const admin = dataAdminOf(deps, (line) => log(`  ${line}`));
  for (const [slug, isolation] of Object.entries(DEMO_TIERS)) {
    const tenant = await getTenant(deps, slug);
    if (tenant.isolation !== "shared" && !tenant.dataMovingSince) continue;
    if (tenant.isolation === isolation) continue;
    log(`moving ${slug} to the ${isolation} tier (once; npm run admin -- tenant move ${slug} --isolation ...)`);
    await moveTenant(deps, admin, slug, { isolation });
  }
  log(
    `isolation tiers: ${Object.entries(DEMO_TIERS)
      .map(([slug, tier]) => `${slug} ${tier}`)
      .join(", ")}, initech shared`,
  );
}
