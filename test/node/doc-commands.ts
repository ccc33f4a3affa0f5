// Which shell lines of the docs the doc test runs for real, and why the others are only parsed. Every command line
// of a shell block must match a rule here (first match wins), so a command new to the docs has to be classified.

/** `run`: executed against a throwaway database and the test Redis, must exit 0. `parse`: only checked, never run. */
export type DocClass = "run" | "parse";

/** A rule: lines whose command starts with `prefix` (or matches it) get `class`, for `reason`. */
export interface DocRule {
  prefix: string | RegExp;
  class: DocClass;
  reason: string;
}

const THROWAWAY = "in the doc test's own throwaway database";

/** The rules, first match wins. Prefixes apply to {@link commandOf} the line. */
export const RULES: readonly DocRule[] = [
  // The admin CLI: everything the docs show is run against a database made for this test.
  { prefix: "npm run admin -- tenant list", class: "run", reason: "reads the tenants" },
  { prefix: "npm run admin -- tenant show", class: "run", reason: "reads one tenant" },
  { prefix: "npm run admin -- tenant create", class: "run", reason: `creates a tenant ${THROWAWAY}` },
  {
    prefix: /^npm run admin -- tenant (update|suspend|resume|delete) /,
    class: "run",
    reason: `changes or deletes a tenant ${THROWAWAY}`,
  },
  { prefix: "npm run admin -- tenant move", class: "run", reason: `moves a tenant ${THROWAWAY}` },
  {
    prefix: "npm run admin -- tenant login",
    class: "run",
    reason: `sets or shows a tenant's sign-in ${THROWAWAY} (nothing contacts the provider)`,
  },
  { prefix: "npm run admin -- key ", class: "run", reason: `makes, lists, rotates or revokes keys ${THROWAWAY}` },
  {
    prefix: "npm run admin -- grant ",
    class: "run",
    reason:
      "OAuth grants in an in-memory OAUTH_KV (the deployed one needs a Cloudflare login), markers in the test Redis",
  },
  { prefix: "npm run admin -- workspace ", class: "run", reason: `workspaces of a tenant ${THROWAWAY}` },
  {
    prefix: "npm run admin -- usage ",
    class: "run",
    reason: "reads usage, daily counts, errors and the billing export",
  },
  { prefix: "npm run admin -- quota list", class: "run", reason: "reads the quota use" },
  { prefix: "npm run admin -- audit backlog", class: "run", reason: "reads the audit queue's length" },
  { prefix: "npm run admin -- operator ", class: "run", reason: `operator tokens and their audit log ${THROWAWAY}` },
  {
    prefix: "npm run migrate -- --database-url",
    class: "run",
    reason: "migrates the throwaway database again ($OWNER_URL is its admin login): up to date, nothing applied",
  },
  { prefix: /^npm run \S+ -- --help$/, class: "run", reason: "prints the script's help" },

  // Development: CI runs these, or they serve until stopped.
  { prefix: "npm install", class: "parse", reason: "changes node_modules (CI runs npm ci)" },
  {
    prefix: "npm run dev",
    class: "parse",
    reason: "a server that runs until stopped (the e2e project runs the stack)",
  },
  { prefix: /^(npm test|npm run (typecheck|lint)|npx vitest)\b/, class: "parse", reason: "CI runs it" },
  {
    prefix: "npm run bench",
    class: "parse",
    reason: "minutes of load on two cores (test/node/bench.test.ts runs a short bench)",
  },
  {
    prefix: /^(npx @modelcontextprotocol\/inspector|mcp\b)/,
    class: "parse",
    reason: "needs a running Worker (test/e2e runs the Inspector's CLI against wrangler dev)",
  },
  { prefix: "claude mcp add", class: "parse", reason: "configures a third-party client" },
  {
    prefix: /^curl -X (POST|DELETE) localhost:4444\/__faults/,
    class: "parse",
    reason: "needs a local cloud running (`npm run cloud`; test/faults/ injects the same faults through it)",
  },
  {
    prefix: /^curl .*(127\.0\.0\.1:8787|"\$API)/,
    class: "parse",
    reason: "needs `npm run dev` running (the worker tests send these requests)",
  },
  { prefix: /^curl .*https:\/\//, class: "parse", reason: "needs a deployment" },
  {
    prefix: `node -p 'require("./.dev-keys.json")`,
    class: "parse",
    reason: "reads the keys a running `npm run dev` wrote",
  },

  // Deploying: a Cloudflare account, the production database and secrets.
  { prefix: "npm run deploy", class: "parse", reason: "deploys to Cloudflare" },
  { prefix: "npx wrangler ", class: "parse", reason: "needs a Cloudflare account" },
  {
    prefix: "psql ",
    class: "parse",
    reason: "the production database (and ALTER ROLE would change a role of the whole test server)",
  },
  { prefix: "openssl rand", class: "parse", reason: "makes a production password for the psql lines" },
  {
    prefix: /^(umask 077|cat > \/tmp\/tenant-mcp\.secrets\.env|rm \/tmp\/tenant-mcp\.secrets\.env)/,
    class: "parse",
    reason: "writes or removes the deploy's secrets file",
  },
  { prefix: "set -a; . ~/.config/", class: "parse", reason: "loads production credentials" },
  { prefix: /^[A-Z_]+=/, class: "parse", reason: "sets a variable for the lines after it, which are not run either" },
];

/** Variables a run line may use, with the value the test gives each (`$OWNER_URL` is set per run). */
export const VARIABLES = ["CLIENT_SECRET", "OWNER_URL"] as const;

/** Placeholders a run line may hold; the test fills each with something of the throwaway database. */
export const PLACEHOLDERS = ["<key id>", "<grant id>", "<token id>", "<sub>"] as const;

/**
 * The command a line runs, for matching the rules: without a leading `(` of a subshell, a `NAME=$(` capturing its
 * output, a `printf ... |` feeding its standard input or a trailing comment, and with `npm run -s` as `npm run`.
 */
export function commandOf(text: string): string {
  return text
    .replace(/\s#\s.*$/, "")
    .trim()
    .replace(/^\(/, "")
    .replace(/^[A-Za-z_]\w*=\$\(/, "")
    .replace(/^printf %s "\$\w+"\s*\|\s*/, "")
    .replace(/^npm run -s /, "npm run ");
}

/** The class of a line, the rule that gave it and why; undefined when no rule matches. */
export function classify(text: string): { class: DocClass; reason: string; rule: DocRule } | undefined {
  const command = commandOf(text);
  const rule = RULES.find((r) =>
    typeof r.prefix === "string" ? command.startsWith(r.prefix) : r.prefix.test(command),
  );
  if (!rule) return undefined;
  if (rule.class === "run") {
    const unfilled = unfillable(text);
    if (unfilled) return { class: "parse", reason: unfilled, rule };
  }
  return { class: rule.class, reason: rule.reason, rule };
}

/** Why a line cannot run as written: a synopsis, or a placeholder or variable the test has no value for. */
function unfillable(text: string): string | undefined {
  if (/\s\[-/.test(text)) return "a synopsis: its [optional] parts are not one command";
  const placeholder = [...text.matchAll(/<[^<>\s][^<>]*>/g)].find(
    ([p]) => !(PLACEHOLDERS as readonly string[]).includes(p),
  );
  if (placeholder) return `the placeholder ${placeholder[0]} has no value in the test`;
  const variable = [...text.matchAll(/\$\{?(\w+)\}?/g)].find(
    ([, v]) => !(VARIABLES as readonly string[]).includes(v as string),
  );
  if (variable) return `the variable $${variable[1]} has no value in the test`;
  return undefined;
}
