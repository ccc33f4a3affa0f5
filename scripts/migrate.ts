/**
 * `npm run migrate [-- --seed] [-- --database-url URL]`: applies sql/NNN_*.sql to a Postgres database.
 * The runner itself lives in scripts/migrate/; this file is its command line and its public entry point.
 */
import { parseArgs } from "node:util";
import { migrate } from "./migrate/run.ts";

export { migrate } from "./migrate/run.ts";
export { DataMigrationError } from "./migrate/run.ts";
export type { MigrateOptions, MigrateResult } from "./migrate/run.ts";

const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tenant_mcp";

const USAGE = `Usage: npm run migrate -- [options]

Applies the numbered migrations in sql/ (NNN_name.sql) that the database has not run yet, in order, each in its
own transaction, and records them in public.schema_migrations. Creates the database if it does not exist.

Then applies the tenant-table migrations (sql/data/NNN_name.sql) to every data location: the main database's
public schema, each schema-tier tenant's schema and each database-tier tenant's own database (there after
sql/001_roles.sql and sql/data/database.sql), one progress line per location and a summary. A location that fails is
reported and the others still migrate; the exit status is then 1, and running again resumes it. Opening a tenant's
own database needs DATA_SECRET_KEY (the Worker's secret) in the environment.

Options:
  --database-url URL  admin connection (superuser locally, the project owner on Neon);
                      default: $DATABASE_URL, else ${DEFAULT_DATABASE_URL}
  --seed              afterwards run sql/seed/*.sql (idempotent demo tenants and documents; no API keys)
  -h, --help          show this help
`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "database-url": { type: "string" },
        seed: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`migrate: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const databaseUrl = values["database-url"] ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  try {
    const result = await migrate({
      databaseUrl,
      seed: values.seed,
      dataSecretKey: process.env.DATA_SECRET_KEY,
      log: (m) => process.stdout.write(`migrate: ${m}\n`),
    });
    process.stdout.write(
      `migrate: done: ${result.applied.length} applied` + (values.seed ? `, ${result.seeded.length} seeded\n` : "\n"),
    );
    return 0;
  } catch (e) {
    process.stderr.write(`migrate: failed: ${(e as Error).message}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
