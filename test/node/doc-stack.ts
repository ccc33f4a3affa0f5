// Where the doc test runs the docs' commands for real: a database of its own on the test PostgreSQL server, made and
// migrated for the run (named after the test database, so parallel checkouts never collide), behind the test cloud's
// Neon endpoint, with the test cloud's Redis. The tenants the docs name are made when a line needs them, and the
// placeholders the docs write (<key id>, ...) are filled with what that database holds.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { runAdmin } from "../../scripts/admin/cli.ts";
import { connect, resolveConnection } from "../../scripts/admin/connect.ts";
import { dropTenantDatabases } from "../../scripts/lib/tenant-databases.ts";
import { migrate } from "../../scripts/migrate.ts";
import type { GrantStorage } from "../../src/control/types.ts";
import { grantUserId } from "../../src/oauth/grant-user.ts";
import type { CloudContext } from "../cloud-context.ts";
import { commandOf } from "./doc-commands.ts";
import { ROOT, words } from "./doc-shell.ts";
import { query } from "./tier-support.ts";

/** The tenants the docs' examples name; each is made (shared tier, plan pro) when a line names it and it is missing. */
const DOC_TENANTS = ["acme", "hooli", "globex", "initech"];
/** The values of the variables a run line may use (VARIABLES in doc-commands.ts), but for OWNER_URL. */
const CLIENT_SECRET = "docs-test-client-secret";
/** The OpenID Connect subject the docs' `oidc:<sub>` stands for, and whose grant `<grant id>` names. */
const SUBJECT = "00u1abcd";

const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;

/** How a line ended: its exit code (0 passes) and what it printed. */
export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The throwaway database and what the doc lines run against. */
export class DocStack {
  /** The OAuth grant storage the grant commands see (the deployed OAUTH_KV needs a Cloudflare login). */
  private readonly grants = new Map<string, { name: string; metadata?: unknown }>();

  /** The throwaway database, as the server's superuser. */
  readonly adminUrl: string;
  /** The admin CLI's environment, as an operator sets it for production (scripts/admin/connect.ts). */
  readonly env: Record<string, string>;

  private constructor(adminUrl: string, env: Record<string, string>) {
    this.adminUrl = adminUrl;
    this.env = env;
  }

  /** Makes the database afresh next to the cloud's test database, and migrates it. */
  static async open(cloud: CloudContext): Promise<DocStack> {
    const adminUrl = new URL(cloud.serverUrls.postgres);
    adminUrl.pathname = `${adminUrl.pathname}_docs`;
    const ownerUrl = new URL(adminUrl);
    ownerUrl.username = "tenant_mcp_owner";
    ownerUrl.password = "";
    const stack = new DocStack(adminUrl.toString(), {
      DATABASE_URL: ownerUrl.toString(),
      UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
      API_KEY_PEPPER: cloud.apiKeyPepper,
      LOGIN_SECRET_KEY: cloud.loginSecretKey,
      LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
      DATABASE_ADMIN_URL: adminUrl.toString(),
      DATA_SECRET_KEY: cloud.dataSecretKey,
      USER: "doc-test",
    });
    await stack.drop();
    await migrate({ databaseUrl: stack.adminUrl, dataSecretKey: cloud.dataSecretKey });
    return stack;
  }

  /** Drops the database and its tenants' own databases. */
  async drop(): Promise<void> {
    await dropTenantDatabases(this.adminUrl);
    const name = decodeURIComponent(new URL(this.adminUrl).pathname.slice(1));
    const server = new URL(this.adminUrl);
    server.pathname = "/postgres";
    await query(server.toString(), `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  }

  /**
   * Runs one shell line of the docs as a reader would: an admin command through the CLI's entry point in this process
   * (its standard input from a `printf` before it, its output through a `| node -p` after it), any other
   * `npm run <script> -- ...` as that script's own process.
   */
  async run(text: string): Promise<Outcome> {
    const command = commandOf(text);
    const admin = /^npm run admin -- (.*)$/.exec(command);
    if (admin) {
      // Without -s, npm writes its own lines to stdout ahead of the command's: a pipe or a file would get them too.
      if (/\s[|>]\s/.test(admin[1] as string) && !/npm run -s admin/.test(text))
        return { code: 1, stdout: "", stderr: "output piped or redirected: use `npm run -s admin`" };
      await this.prepare(words(admin[1] as string));
      const filled = await this.fill(admin[1] as string);
      const stdin = /^printf %s "\$(\w+)"/.test(text.replace(/^\(/, "")) ? CLIENT_SECRET : "";
      const outcome = await this.admin(words(filled), stdin);
      const pipe = /\|\s*node -p '([^']*)'/.exec(command);
      return outcome.code === 0 && pipe ? nodePrint(pipe[1] as string, outcome.stdout) : outcome;
    }
    const script = /^npm run (\S+)(?: -- (.*))?$/.exec(command);
    const entry = script && /^node (\S+)$/.exec(SCRIPTS[script[1] as string] ?? "");
    if (!script || !entry) throw new Error(`the doc test cannot run this line: ${text}`);
    const args = words(await this.fill(script[2] ?? ""));
    return spawnOutcome(process.execPath, [entry[1] as string, ...args], {
      ...process.env,
      DATA_SECRET_KEY: this.env.DATA_SECRET_KEY,
    });
  }

  /** Runs an admin command line with the stack's environment and grant storage. */
  async admin(args: string[], stdin = ""): Promise<Outcome> {
    let stdout = "";
    let stderr = "";
    const code = await runAdmin(args, {
      env: this.env,
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stdin: async () => stdin,
      connect: async (env, devVars) => {
        const c = await resolveConnection(env, devVars);
        return { deps: { ...connect(c), grants: this.grantStorage() }, where: "the doc test's database" };
      },
    });
    return { code, stdout, stderr };
  }

  /**
   * The state a line expects: a tenant it creates does not exist yet (an earlier line may have made it), and every
   * other tenant of the docs it names does.
   */
  private async prepare(args: string[]): Promise<void> {
    const slugAt = args.indexOf("--slug") + 1;
    const created = args[0] === "tenant" && args[1] === "create" && slugAt > 0 ? args[slugAt] : undefined;
    const existing = new Set((await this.rows<{ slug: string }>("SELECT slug FROM tenants")).map((r) => r.slug));
    if (created && existing.has(created)) await this.must(["tenant", "delete", created, "--yes"]);
    for (const slug of DOC_TENANTS) {
      if (slug !== created && args.includes(slug) && !existing.has(slug)) await this.ensureTenant(slug);
    }
  }

  private async ensureTenant(slug: string): Promise<string> {
    const find = () => this.rows<{ id: string }>("SELECT id FROM tenants WHERE slug = $1", [slug]);
    const [found] = await find();
    if (found) return found.id;
    await this.must(["tenant", "create", "--slug", slug, "--name", slug, "--plan", "pro"]);
    return ((await find())[0] as { id: string }).id;
  }

  /** `text` with its variables and placeholders replaced by values of this database. */
  private async fill(text: string): Promise<string> {
    const tenant = DOC_TENANTS.find((s) => words(text).includes(s)) ?? "hooli";
    const values: Record<string, () => Promise<string>> = {
      $CLIENT_SECRET: async () => CLIENT_SECRET,
      $OWNER_URL: async () => this.adminUrl,
      "<sub>": async () => SUBJECT,
      "<key id>": async () => {
        const tenantId = await this.ensureTenant(tenant);
        const [key] = await this.rows<{ id: string }>(
          "SELECT id FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1",
          [tenantId],
        );
        if (!key) throw new Error(`no key of ${tenant} for <key id>`);
        return key.id;
      },
      "<grant id>": async () => {
        // A grant of acme's person signed in with OpenID Connect, as the authorization server stores it.
        const id = crypto.randomUUID().replace(/-/g, "").slice(0, 16);
        const name = `grant:${grantUserId(await this.ensureTenant("acme"), `oidc:${SUBJECT}`)}:${id}`;
        this.grants.set(name, { name, metadata: { clientId: "doc-test-client" } });
        return id;
      },
      "<token id>": async () => {
        const newest = () =>
          this.rows<{ id: string }>(
            "SELECT id FROM operator_tokens WHERE revoked_at IS NULL ORDER BY created_at DESC LIMIT 1",
          );
        if (!(await newest()).length) await this.must(["operator", "create", "--name", "doc-test", "--role", "viewer"]);
        return ((await newest())[0] as { id: string }).id;
      },
    };
    let out = text;
    for (const [token, value] of Object.entries(values)) {
      if (out.includes(token)) out = out.split(token).join(await value());
    }
    return out;
  }

  private grantStorage(): GrantStorage {
    return {
      list: async (prefix) => [...this.grants.values()].filter((g) => g.name.startsWith(prefix)),
      delete: async (name) => void this.grants.delete(name),
    };
  }

  private async must(args: string[]): Promise<void> {
    const { code, stderr } = await this.admin(args);
    if (code !== 0) throw new Error(`doc test setup: admin -- ${args.join(" ")}: ${stderr.trim()}`);
  }

  private rows<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    return query<R>(this.adminUrl, text, params);
  }
}

/** `node -p <expr>` over `input`, as the docs pipe the CLI's JSON into it: it must print something defined. */
async function nodePrint(expr: string, input: string): Promise<Outcome> {
  const out = await spawnOutcome(process.execPath, ["-p", expr], process.env, input);
  if (out.code === 0 && /^(undefined)?\n?$/.test(out.stdout))
    return { code: 1, stdout: "", stderr: `node -p ${expr} printed ${JSON.stringify(out.stdout)}` };
  return out;
}

function spawnOutcome(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? "");
  });
}
