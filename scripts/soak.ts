/**
 * `npm run soak -- --minutes N --seed S`: the soak run of test/soak/soak.test.ts for N minutes: several tenants in both
 * eras, reads and idempotent writes, faults injected on a seeded schedule, then one line: writes acknowledged /
 * present / lost / duplicated, cross-tenant answers, 5xx, hangs, p50/p99. It runs in the resilience test project (the
 * Worker inside workerd, a local cloud of its own over real PostgreSQL and Redis); CI runs the same file for 45 s.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";

const HELP = `Usage: npm run soak -- [options]

Runs the soak (test/soak/soak.test.ts): three tenants in both protocol eras, sessions opening and closing, reads and
create_document calls each retried with its idempotency key until acknowledged, while the local cloud injects faults
on a schedule drawn from the seed (Redis refused or slow; Postgres refused, its answer dropped or reset after the
commit; a tenant past its rate limit). Prints one line and fails on any lost, duplicated or cross-tenant write, 5xx
or hang.

Options:
  --minutes N   how long to run (default 1)
  --seed S      the seed of the operations and the fault schedule (a positive integer; default 1)
  -h, --help    show this help

Databases: TEST_DATABASE_URL (its name plus _resilience is used, created fresh) and TEST_REDIS_URL, as for npm test.`;

const { values } = parseArgs({
  options: { minutes: { type: "string" }, seed: { type: "string" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const minutes = Number(values.minutes ?? "1");
const seed = Number(values.seed ?? "1");
if (!(minutes > 0) || !Number.isInteger(seed) || seed <= 0) {
  process.stderr.write("soak: --minutes must be a positive number and --seed a positive integer\n");
  process.exit(2);
}

const child = spawn(
  process.execPath,
  ["node_modules/vitest/vitest.mjs", "run", "--project", "resilience", "test/soak/soak.test.ts"],
  {
    stdio: "inherit",
    env: { ...process.env, SOAK_SECONDS: String(Math.max(1, Math.round(minutes * 60))), SOAK_SEED: String(seed) },
  },
);
child.on("exit", (code) => process.exit(code ?? 1));
