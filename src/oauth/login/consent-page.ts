import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { OAUTH_SCOPES } from "../server.ts";
import { escapeHtml, htmlPage } from "./html.ts";

/** What each scope lets the app do, in the words the page shows. */
const SCOPE_WORDS: Record<string, string> = {
  "mcp:read": "read: list and read documents, workspaces and reports",
  "mcp:write": "write: create, change and delete data",
};

/** The form fields of the page (and of its POST). */
export const FIELD = {
  handle: "handle",
  slug: "tenant",
  apiKey: "api_key",
  scope: "scope",
  decision: "decision",
} as const;

/** The values of the form's `decision` buttons: sign in with the API key, with the organisation's provider, or deny. */
export const DECISION = { apiKey: "approve", oidc: "oidc", deny: "deny" } as const;

/** The ways to sign in the page offers. */
export interface SignInChoices {
  apiKey: boolean;
  oidc: boolean;
}

/**
 * The sign-in and consent page of `/authorize`: who is asking (the client's name, escaped, and for a Client ID
 * Metadata Document client its verified domain), where access will be sent (the redirect host, with a warning for an
 * app on this computer), the tenant (from the tenant host, or a field for its slug), the scopes, each a checkbox, and
 * the ways to sign in `o.methods` offers: an API key to paste, and a button that leaves for the organisation's own
 * provider. `handle` is the consent helper's CSRF handle, bound to this browser by `headers`.
 */
export function consentPage(
  details: ConsentDescription,
  handle: string,
  o: { tenantSlug?: string; headers: Headers; methods: SignInChoices },
): Response {
  const name = escapeHtml(details.clientName);
  const origin = details.clientDomain
    ? `Published by <strong>${escapeHtml(details.clientDomain)}</strong>.`
    : "This app registered itself: its name is not verified.";
  const requested = details.scope.filter((s) => OAUTH_SCOPES.includes(s));
  const ticked = requested.length ? requested : OAUTH_SCOPES;
  const scopes = OAUTH_SCOPES.map(
    (scope) =>
      `<label><input type="checkbox" name="${FIELD.scope}" value="${escapeHtml(scope)}"${ticked.includes(scope) ? " checked" : ""}> ${escapeHtml(SCOPE_WORDS[scope] ?? scope)}</label>`,
  ).join("\n");
  const tenant = o.tenantSlug
    ? `<p>Tenant: <strong>${escapeHtml(o.tenantSlug)}</strong></p>`
    : `<label>Tenant <input type="text" name="${FIELD.slug}" required autocomplete="organization" spellcheck="false"></label>`;
  const body = `<h1>Allow ${name} to use your MCP tools?</h1>
<p>${origin} Access will be sent to <strong>${escapeHtml(details.redirectHost)}</strong>.</p>
${details.redirectIsLoopback ? '<p class="warn"><strong>This sends access to an app on your computer.</strong> Continue only if you just started signing in from it.</p>' : ""}
<form method="post">
<input type="hidden" name="${FIELD.handle}" value="${escapeHtml(handle)}">
${tenant}
<fieldset><legend>Access</legend>
${scopes}
</fieldset>
${signInChoices(o.methods)}
<p><button name="${FIELD.decision}" value="${DECISION.deny}">Deny</button></p>
</form>`;
  return htmlPage(`Authorize ${details.clientName}`, body, 200, o.headers);
}

/**
 * The sign-in part of the form. The API key comes first: pressing Enter in a form submits its first button, and that
 * must be the one next to the field being typed in.
 */
function signInChoices(methods: SignInChoices): string {
  const parts: string[] = [];
  if (methods.apiKey) {
    parts.push(`<label>API key <input type="password" name="${FIELD.apiKey}" autocomplete="off" spellcheck="false" placeholder="tmcp_..."></label>
<p><button name="${FIELD.decision}" value="${DECISION.apiKey}">Allow</button></p>`);
  }
  if (methods.oidc) {
    parts.push(
      `<p>${methods.apiKey ? "Or: " : ""}<button name="${FIELD.decision}" value="${DECISION.oidc}">Sign in with your organisation</button></p>`,
    );
  }
  return parts.length ? parts.join("\n") : "<p>No way to sign in is set up for this tenant: ask its administrator.</p>";
}
