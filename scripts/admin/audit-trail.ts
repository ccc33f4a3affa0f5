import { ControlError, type ControlErrorKind } from "../../src/control/errors.ts";
import { resolveKeyId } from "../../src/control/keys.ts";
import { recordOperatorAction, resolveOperatorId, type OperatorActor } from "../../src/control/operators.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import type { Command, Values } from "./command.ts";
import type { Output } from "./output.ts";

// Commands that only read (and every command of the `audit` group). Every other command changes something and is
// recorded in the operator audit log, so a new command is recorded unless it is added here.
const READS = new Set([
  "tenant list",
  "tenant show",
  "key list",
  "grant list",
  "workspace list",
  "usage",
  "usage export",
  "usage daily",
  "usage errors",
  "quota list",
  "operator list",
  "operator audit",
]);

/**
 * The audit action of `command` as run with `values`, named as the operator API names it (`tenant.create`,
 * `grant.revoke_user`), or null for a read.
 */
export function auditAction(command: Command, values: Values): string | null {
  const name = command.words.join(" ");
  if (READS.has(name) || command.words[0] === "audit") return null;
  if (name === "tenant login" && values.show === true) return null;
  if (name === "grant revoke" && values.user !== undefined) return "grant.revoke_user";
  return command.words.join(".");
}

/** The CLI as an actor of the operator audit log: it has no token, only the owner's login on someone's machine. */
export function cliActor(env: NodeJS.ProcessEnv): OperatorActor {
  return { id: null, name: `cli:${env.USER || env.USERNAME || "unknown"}`, role: null };
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** `resolve(value)`, or undefined when there is no value or it is not an id. */
function idOf(resolve: (value: string) => string | null, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return resolve(value) ?? undefined;
  } catch {
    return undefined;
  }
}

const STATUS_OF: Record<ControlErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, unavailable: 503 };

/**
 * Records a CLI change in the operator audit log, with the status the operator API would have answered: what it
 * named (the tenant's slug, a key, grant or token id) from its command line, and the tenant's id from its output.
 * Returns a warning when the entry could not be written (the change stands either way).
 */
export async function recordCliAction(
  deps: AdminDeps,
  env: NodeJS.ProcessEnv,
  action: string,
  command: Command,
  positionals: readonly string[],
  values: Values,
  outcome: { output: Output } | { error: unknown },
): Promise<string | null> {
  const arg = (name: string): string | undefined => {
    const i = command.args.indexOf(name);
    return i >= 0 ? positionals[i] : undefined;
  };
  const option = (name: string): string | undefined => (typeof values[name] === "string" ? values[name] : undefined);
  const facts = "output" in outcome ? outcome.output.audit : undefined;
  const json = ("output" in outcome ? outcome.output.json : undefined) as
    | { tenant?: { id?: string }; deleted?: { id?: string }; operator?: { id?: string }; keyId?: string }
    | undefined;
  const status =
    "output" in outcome ? 200 : outcome.error instanceof ControlError ? STATUS_OF[outcome.error.kind] : 500;
  const tenantId = facts?.tenantId ?? json?.tenant?.id ?? json?.deleted?.id;
  // Only what is shaped like an id or a slug: a mistyped command line may hold a whole key or token, never stored.
  const target =
    facts?.target ??
    idOf(resolveKeyId, arg("key id")) ??
    idOf(resolveOperatorId, arg("token id")) ??
    idOf((g) => (/^[A-Za-z0-9_-]{16}$/.test(g) ? g : null), arg("grant id")) ??
    json?.operator?.id ??
    json?.keyId ??
    option("user");
  const slug = [arg("slug"), option("slug"), option("tenant")].find((v) => v !== undefined && SLUG.test(v));
  try {
    await recordOperatorAction(deps.sql, cliActor(env), {
      action,
      status,
      ...(slug ? { tenantSlug: slug } : {}),
      ...(tenantId ? { tenantId } : {}),
      ...(target ? { target } : {}),
    });
    return null;
  } catch (err) {
    return `the change is made, but not recorded in the operator audit log: ${(err as Error).message}`;
  }
}
