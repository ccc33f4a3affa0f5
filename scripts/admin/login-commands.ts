import { renderMessage } from "../../src/control/errors.ts";
import { getTenantLogin, setTenantLogin, type TenantLoginView } from "../../src/control/login.ts";
import { usageError } from "./admin-error.ts";
import { optional, type Command, type Values } from "./command.ts";
import { flagOf } from "./errors.ts";
import { fields, when, type Output } from "./output.ts";

/** A login view's detail lines; the client secret only as whether one is stored. */
function describe(l: TenantLoginView): [string, string][] {
  const o = l.oidc;
  return [
    ["tenant", l.slug],
    ["openid connect", o ? "on" : "off"],
    ...(o
      ? ([
          ["issuer", o.issuer],
          ["client id", o.clientId],
          ["client secret", o.clientSecret === "sealed" ? "stored, encrypted (never shown)" : "none (public client)"],
          ["e-mail domains", o.allowedEmailDomains.length ? o.allowedEmailDomains.join(", ") : "any"],
          ["required claim", o.requiredClaim ? `${o.requiredClaim.name}=${o.requiredClaim.value}` : "none"],
        ] as [string, string][])
      : []),
    ["api-key login", l.apiKeyLogin ? "on" : "off"],
    ["updated", when(l.updatedAt)],
  ];
}

function onOff(values: Values, name: string): boolean | undefined {
  const v = optional(values, name);
  if (v === undefined) return undefined;
  if (v !== "on" && v !== "off") throw usageError(`--${name} must be on or off, got "${v}"`);
  return v === "on";
}

/** `a.com,b.com` as a list; "" (an explicit empty value) clears it. */
function domains(values: Values): string[] | undefined {
  const v = optional(values, "allowed-domains");
  if (v === undefined) return undefined;
  return v
    .split(",")
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
}

/** `name=value`; "" clears the rule. */
function claim(values: Values): { name: string; value: string } | null | undefined {
  const v = optional(values, "require-claim");
  if (v === undefined) return undefined;
  if (v === "") return null;
  const at = v.indexOf("=");
  if (at <= 0) throw usageError(`--require-claim must be name=value (e.g. groups=mcp-users), got "${v}"`);
  return { name: v.slice(0, at), value: v.slice(at + 1) };
}

/** The secret as piped in: one trailing line break (from `echo` or a file) is not part of it. */
function secretFromStdin(text: string): string {
  return text.replace(/\r?\n$/, "");
}

const CHANGE_OPTIONS = [
  "oidc-issuer",
  "client-id",
  "client-secret-stdin",
  "allowed-domains",
  "require-claim",
  "api-key-login",
  "disable-oidc",
];

/** The `tenant login` command. */
export const LOGIN_COMMANDS: Command[] = [
  {
    words: ["tenant", "login"],
    args: ["slug"],
    options: {
      show: { type: "boolean" },
      "oidc-issuer": { type: "string" },
      "client-id": { type: "string" },
      "client-secret-stdin": { type: "boolean" },
      "allowed-domains": { type: "string" },
      "require-claim": { type: "string" },
      "api-key-login": { type: "string" },
      "disable-oidc": { type: "boolean" },
    },
    summary: "show or set how a tenant's users sign in to connect OAuth clients",
    synopsis:
      "<slug> --show | [--oidc-issuer <url> --client-id <id> [--client-secret-stdin]] [--allowed-domains a.com,b.com] [--require-claim k=v] [--api-key-login on|off] [--disable-oidc]",
    details: `How a tenant's users sign in at /authorize when an MCP client connects with OAuth: through the tenant's own
OpenID Connect provider, by pasting one of the tenant's API keys, or both. Takes effect on the next sign-in.
Register this server at the provider with the redirect URI <origin>/oauth/oidc/<slug>/callback (docs/oauth-login.md).

  --show                  print the settings (the client secret never: only whether one is stored)
  --oidc-issuer <url>     the provider's issuer, exactly as its discovery document spells it (https; http only on
                          127.0.0.1 or localhost). Needs --client-id, and replaces the stored client secret
  --client-id <id>        the client id the provider issued for this server
  --client-secret-stdin   read the client secret from standard input (never from the command line, where it would
                          land in shell history and process listings); stored sealed with the Worker's
                          LOGIN_SECRET_KEY. Without it, a new issuer means a public client (PKCE only)
  --allowed-domains <list> only users with a verified e-mail in these domains sign in ("" allows any)
  --require-claim <k=v>   the ID token must carry claim k with value v, or an array containing v ("" drops the rule)
  --api-key-login on|off  sign in by pasting one of the tenant's API keys (default on)
  --disable-oidc          turn OpenID Connect off (drops issuer, client, secret, domains and claim)
JSON: {"login": {"slug", "oidc": {...} or null, "apiKeyLogin", "updatedAt"}}`,
    async run(deps, [slug], values, io): Promise<Output> {
      const changes = CHANGE_OPTIONS.filter((o) => values[o] !== undefined);
      if (values.show === true) {
        if (changes.length) throw usageError(`--show cannot be combined with --${changes[0]}`);
        const login = await getTenantLogin(deps, slug as string);
        return { json: { login }, human: fields(describe(login)) };
      }
      if (!changes.length) throw usageError("nothing to change: give --show, or the settings to change");
      const { login, warnings } = await setTenantLogin(deps, slug as string, {
        disableOidc: values["disable-oidc"] === true ? true : undefined,
        oidcIssuer: optional(values, "oidc-issuer"),
        clientId: optional(values, "client-id"),
        clientSecret: values["client-secret-stdin"] === true ? secretFromStdin(await io.readStdin()) : undefined,
        allowedEmailDomains: domains(values),
        requiredClaim: claim(values),
        apiKeyLogin: onOff(values, "api-key-login"),
      });
      return {
        json: { login },
        human: fields(describe(login)),
        warnings: warnings.map((w) => renderMessage(w, flagOf)),
      };
    },
  },
];
