import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { ControlError } from "../../src/control/errors.ts";
import { AdminError, usageError } from "./admin-error.ts";
import { auditAction, recordCliAction } from "./audit-trail.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import type { Command, Values } from "./command.ts";
import { connect, resolveConnection } from "./connect.ts";
import { describeFailure, safeLine } from "./errors.ts";
import { AUDIT_COMMANDS } from "./audit-commands.ts";
import { QUOTA_COMMANDS } from "./quota-commands.ts";
import { REDIS_COMMANDS } from "./redis-commands.ts";
import { USAGE_COMMANDS } from "./usage-commands.ts";
import { GRANT_COMMANDS } from "./grant-commands.ts";
import { KEY_COMMANDS } from "./key-commands.ts";
import { LOGIN_COMMANDS } from "./login-commands.ts";
import { MOVE_COMMAND } from "./move-command.ts";
import { OPERATOR_COMMANDS } from "./operator-commands.ts";
import { TENANT_COMMANDS } from "./tenant-commands.ts";
import { WORKSPACE_COMMANDS } from "./workspace-commands.ts";

/** Options whose values are connection strings: redacted from every message. */
const URL_OPTIONS = ["database-url", "admin-database-url"];

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  ...TENANT_COMMANDS,
  MOVE_COMMAND,
  ...LOGIN_COMMANDS,
  // Before KEY_COMMANDS: `usage export` must not be read as `usage <slug>`.
  ...USAGE_COMMANDS,
  ...KEY_COMMANDS,
  ...GRANT_COMMANDS,
  ...WORKSPACE_COMMANDS,
  ...QUOTA_COMMANDS,
  ...AUDIT_COMMANDS,
  ...OPERATOR_COMMANDS,
  ...REDIS_COMMANDS,
];

const GLOBAL_OPTIONS: ParseArgsOptionsConfig = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  "dev-vars": { type: "string" },
};

const GLOBAL_HELP = `Options of every command:
  --json                print one JSON document (use \`npm run -s admin\` so npm adds nothing to stdout)
  --dev-vars <file>     the local stack's variables (default .dev.vars; used when DATABASE_URL is not set)
  -h, --help            show help`;

const CONNECTION_HELP = `Connection: with DATABASE_URL (an owner or admin login), UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN and
API_KEY_PEPPER (and LOGIN_SECRET_KEY for \`tenant login\`; DATABASE_ADMIN_URL, the main database's admin login over TCP, and
DATA_SECRET_KEY for tenants on the schema and database tiers) in the environment, those (production); otherwise the local
stack of \`npm run dev\` (.dev.vars).`;

/** Where the CLI reads and writes; the process by default, replaceable in tests. */
export interface AdminIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input, for secrets read from it (`--client-secret-stdin`). Default: the process's stdin. */
  stdin?(): Promise<string>;
  /**
   * Builds the clients, and says where they point for messages. Default: from the environment or .dev.vars (see
   * scripts/admin/connect.ts).
   */
  connect?(
    env: NodeJS.ProcessEnv,
    devVarsPath: string,
  ): Promise<{ deps: AdminDeps; where: string; secrets?: string[] }>;
}

/**
 * Runs one admin command line (without the program name) and returns the exit code: 0 done, 1 failed, 2 wrong
 * command line. Output goes to `io.stdout` (one JSON document with `--json`), a failure to `io.stderr` as one line.
 */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  let command: Command | undefined;
  let where: string | undefined;
  // Values no message may quote: the environment's, and once connected, the connection's (from .dev.vars too).
  const secrets = [
    io.env.API_KEY_PEPPER,
    io.env.UPSTASH_REDIS_REST_TOKEN,
    io.env.LOGIN_SECRET_KEY,
    io.env.DATA_SECRET_KEY,
    urlPassword(io.env.DATABASE_ADMIN_URL ?? ""),
  ].filter((v): v is string => !!v);
  try {
    const words = leadingWords(argv);
    command = COMMANDS.find(
      (c) => c.words.length === Math.min(words.length, c.words.length) && c.words.every((w, i) => w === words[i]),
    );
    const wantsHelp = argv.includes("--help") || argv.includes("-h");
    if (!command) {
      const group = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === words[0]);
      if (wantsHelp && words.length <= 1) {
        io.stdout(`${group.length ? groupHelp(words[0] as string, group) : overview()}\n`);
        return 0;
      }
      if (words.length === 0) throw usageError("missing command");
      if (group.length && words.length === 1) {
        throw usageError(`missing ${words[0]} command (${group.map((c) => c.words[1]).join(", ")})`);
      }
      throw usageError(`unknown command "${words.slice(0, 2).join(" ")}"`);
    }

    const { values, positionals } = parse(command, argv.slice(command.words.length));
    // Connection strings given on the command line (a tenant's own database) are never printed, whole or in part.
    for (const name of URL_OPTIONS) {
      const url = values[name];
      if (typeof url === "string" && url) secrets.push(url, urlPassword(url));
    }
    if (values.help) {
      io.stdout(`${commandHelp(command)}\n`);
      return 0;
    }
    const least = command.optionalArgs ? 0 : command.args.length;
    if (positionals.length < least) throw usageError(`missing <${command.args[positionals.length]}>`);
    if (positionals.length > command.args.length)
      throw usageError(`unexpected argument "${positionals[command.args.length]}"`);

    const devVars = typeof values["dev-vars"] === "string" ? values["dev-vars"] : ".dev.vars";
    const connection = await (io.connect ?? defaultConnect)(io.env, devVars).catch((error: unknown) => ({ error }));
    if ("where" in connection) {
      where = connection.where;
      secrets.push(...(connection.secrets ?? []));
    }
    const deps = lazyDeps(connection);
    const action = auditAction(command, values);
    const run = command.run(deps, positionals, values, {
      readStdin: async () => {
        const text = await (io.stdin ?? readProcessStdin)();
        // What it reads is a secret: no message may quote it either.
        secrets.push(text.trim());
        return text;
      },
      progress: (line) => io.stderr(`${safeLine(line, secrets)}\n`),
      env: io.env,
    });
    // Every change is recorded in the operator audit log, a failed one too (once it got past the command line).
    const outcome = await run.then(
      (output) => ({ output }),
      (error: unknown) => ({ error }),
    );
    const unrecorded =
      action && !("error" in outcome && skipsAudit(outcome.error))
        ? await recordCliAction(deps, io.env, action, command, positionals, values, outcome)
        : null;
    if ("error" in outcome) throw outcome.error;
    const { output } = outcome;
    if (unrecorded) (output.warnings ??= []).push(unrecorded);
    io.stdout(values.json ? `${JSON.stringify(output.json, null, 2)}\n` : `${output.human}\n`);
    for (const warning of output.warnings ?? []) io.stderr(`warning: ${safeLine(warning, secrets)}\n`);
    return 0;
  } catch (err) {
    const { message, exitCode } = describeFailure(err, secrets);
    let hint =
      exitCode === 2 ? ` (see \`npm run admin -- ${command ? `${command.words.join(" ")} ` : ""}--help\`)` : "";
    if (err instanceof ControlError && err.kind === "unavailable" && where) hint = ` (${where})`;
    io.stderr(`error: ${safeLine(`${message}${hint}`, secrets)}\n`);
    return exitCode;
  }
}

/**
 * Failures not worth an audit entry: a command-line mistake (nothing was attempted), or a database or Redis that
 * cannot be reached (the entry could not be written either).
 */
function skipsAudit(error: unknown): boolean {
  return error instanceof AdminError || (error instanceof ControlError && error.kind === "unavailable");
}

async function defaultConnect(
  env: NodeJS.ProcessEnv,
  devVarsPath: string,
): Promise<{ deps: AdminDeps; where: string; secrets: string[] }> {
  const c = await resolveConnection(env, devVarsPath);
  const where =
    c.source === "environment"
      ? "using DATABASE_URL and UPSTASH_REDIS_REST_URL from the environment"
      : `using the local stack in ${c.source}: is \`npm run dev\` running?`;
  return {
    deps: connect(c),
    where,
    secrets: [
      c.pepper,
      ...c.redisShards.map((s) => s.token),
      c.loginSecretKey,
      c.dataSecretKey,
      urlPassword(c.databaseUrl),
      urlPassword(c.adminDatabaseUrl ?? ""),
    ].filter(Boolean),
  };
}

async function readProcessStdin(): Promise<string> {
  // A terminal would wait for input nobody knows is expected.
  if (process.stdin.isTTY) throw usageError("--client-secret-stdin reads the secret from standard input: pipe it in");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}

/**
 * Dependencies that fail only when first used: commands check their whole command line before they touch the
 * database, so a usage mistake is reported as one, whether or not a connection is configured.
 */
function lazyDeps(connection: { deps: AdminDeps } | { error: unknown }): AdminDeps {
  const get = (): AdminDeps => {
    if ("error" in connection) throw connection.error;
    return connection.deps;
  };
  return {
    get sql() {
      return get().sql;
    },
    get shards() {
      return get().shards;
    },
    get redisEndpoints() {
      return get().redisEndpoints;
    },
    get pepper() {
      return get().pepper;
    },
    get loginSecretKey() {
      return get().loginSecretKey;
    },
    get grants() {
      return get().grants;
    },
    get dataAdmin() {
      return get().dataAdmin;
    },
  };
}

/** The words before the first option: `tenant create`, `usage acme`, ... */
function leadingWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith("-")) break;
    words.push(a);
  }
  return words;
}

function parse(command: Command, args: string[]): { values: Values; positionals: string[] } {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  try {
    const { values, positionals } = parseArgs({
      args: attachDashValues(args, options),
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    // parseArgs explains itself well ("Unknown option '--x'"); keep its first sentence.
    throw usageError((err as Error).message.split(". ")[0] as string);
  }
}

/**
 * parseArgs refuses `--features -bulk_export` as ambiguous (a value that looks like a short option). No command has
 * short options but -h, so a value after a string option that starts with a single dash is the value: pass it as
 * `--features=-bulk_export`.
 */
function attachDashValues(args: string[], options: ParseArgsOptionsConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    if (name && options[name]?.type === "string" && next && /^-[^-]/.test(next) && next !== "-h") {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function overview(): string {
  const lines = COMMANDS.map((c) => [c.words.join(" "), c.summary] as const);
  const width = Math.max(...lines.map(([w]) => w.length));
  return [
    "Usage: npm run admin -- <command> [options]",
    "",
    "Tenant administration: tenants, API keys, workspaces and usage, without SQL. Changes apply on each tenant's next request.",
    "",
    "Commands:",
    ...lines.map(([w, s]) => `  ${w.padEnd(width)}  ${s}`),
    "",
    GLOBAL_HELP,
    "",
    CONNECTION_HELP,
    "",
    "`npm run admin -- <command> --help` describes a command.",
  ].join("\n");
}

function groupHelp(group: string, commands: Command[]): string {
  return [
    `Usage: npm run admin -- ${group} <command> [options]`,
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.words.join(" ")} ${c.synopsis}`.trimEnd()),
    "",
    GLOBAL_HELP,
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [
    `Usage: npm run admin -- ${c.words.join(" ")} ${c.synopsis}`.trimEnd(),
    "",
    `${c.summary[0]?.toUpperCase()}${c.summary.slice(1)}.`,
    "",
    c.details,
    "",
    GLOBAL_HELP,
    "",
    CONNECTION_HELP,
  ].join("\n");
}
