// @ts-check
import { all, api, ApiError } from "../api.js";
import { usageCharts } from "../charts.js";
import { badge, h, say, table, when } from "../dom.js";

/**
 * A key made by the last change, to show once on the page built after it (which lists the key too).
 *
 * @type {{ what: string, key: string } | null}
 */
let pendingSecret = null;

/**
 * One tenant: its definition and quota use, suspend/resume, its keys (create, rotate, revoke; a new key shown once),
 * its OAuth grants, its latest failed calls and its usage over 30 days.
 *
 * @param {string} slug
 * @param {{ role: string }} operator
 */
export async function tenantView(slug, operator) {
  const path = `/tenants/${encodeURIComponent(slug)}`;
  const [{ tenant }, keys, grants, errors, quota, usage] = await Promise.all([
    api("GET", path),
    all(`${path}/keys`),
    all(`${path}/grants`),
    api("GET", `${path}/errors?limit=20`),
    api("GET", "/quota"),
    api("GET", `${path}/usage/daily?days=30`),
  ]);
  const admin = operator.role === "admin";
  const reload = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  /** Runs a change, then shows the page again with its outcome. */
  const change = async (/** @type {string} */ done, /** @type {() => Promise<any>} */ run) => {
    try {
      await run();
      reload();
      say(done);
    } catch (err) {
      say(err instanceof ApiError ? err.message : String(err), true);
    }
  };
  const standing = quota.tenants.find((/** @type {any} */ q) => q.tenant === tenant.slug);
  const secret = h("div", { id: "key-secret", "aria-live": "polite" });
  if (pendingSecret) showSecret(secret, pendingSecret.what, pendingSecret.key);
  pendingSecret = null;

  const facts = /** @type {[string, unknown][]} */ ([
    ["Name", tenant.name],
    ["Slug", tenant.slug],
    ["Status", badge(tenant.status)],
    ["Plan", tenant.plan],
    ["Features", tenant.features.join(", ") || "none"],
    ["Rate limit", `${tenant.rateLimitPerMinute} requests a minute`],
    ["Monthly quota", tenant.monthlyQuota === null ? "unlimited" : `${tenant.monthlyQuota} tool calls`],
    ["Quota use", standing ? `${standing.used} this month${standing.percent === null ? "" : ` (${standing.percent}%)`}` : "-"],
    ["Isolation tier", tenant.isolation],
    ["Active keys", String(tenant.activeKeys)],
    ["Created", when(tenant.createdAt)],
  ]);

  const suspended = tenant.status === "suspended";
  const keyName = /** @type {HTMLInputElement} */ (h("input", { id: "key-name", autocomplete: "off" }));

  const keyRows = keys.map((/** @type {any} */ k) => [
    h("code", {}, k.id),
    k.name ?? "",
    badge(k.status),
    k.scopes.join(" "),
    when(k.createdAt),
    when(k.lastUsedAt),
    k.expiresAt ? when(k.expiresAt) : "never",
    admin && (k.status === "active" || k.status === "rotating")
      ? h(
          "span",
          {},
          k.status === "active"
            ? h(
                "button",
                {
                  type: "button",
                  "aria-label": `Rotate key ${k.id}`,
                  onclick: () =>
                    void (async () => {
                      try {
                        const made = await api("POST", `/keys/${k.id}/rotate`, {});
                        pendingSecret = { what: `Key ${k.id} replaced by ${made.keyId}; the old one works for a day. The new key`, key: made.apiKey };
                        reload();
                        say(`Key ${k.id} rotated.`);
                      } catch (err) {
                        say(err instanceof ApiError ? err.message : String(err), true);
                      }
                    })(),
                },
                "Rotate",
              )
            : null,
          " ",
          h(
            "button",
            {
              type: "button",
              class: "danger",
              "aria-label": `Revoke key ${k.id}`,
              onclick: () => {
                if (confirm(`Revoke key ${k.id}? Its next request is refused.`))
                  void change(`Key ${k.id} revoked.`, () => api("POST", `/keys/${k.id}/revoke`));
              },
            },
            "Revoke",
          ),
        )
      : "",
  ]);

  return h(
    "section",
    {},
    h("h1", {}, `Tenant ${tenant.slug}`),
    h("p", {}, h("a", { href: "#/tenants" }, "All tenants")),
    h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    admin
      ? h(
          "p",
          {},
          h(
            "button",
            {
              type: "button",
              id: suspended ? "resume" : "suspend",
              class: suspended ? "" : "danger",
              onclick: () =>
                void change(suspended ? "Tenant resumed." : "Tenant suspended.", () =>
                  api("POST", `${path}/${suspended ? "resume" : "suspend"}`),
                ),
            },
            suspended ? "Resume tenant" : "Suspend tenant",
          ),
        )
      : null,
    h("h2", {}, "API keys"),
    table("API keys", ["Id", "Label", "Status", "Scopes", "Created", "Last used", "Expires", ""], keyRows),
    admin
      ? h(
          "form",
          {
            class: "inline",
            onsubmit: async (/** @type {Event} */ e) => {
              e.preventDefault();
              try {
                const made = await api("POST", `${path}/keys`, keyName.value ? { name: keyName.value } : {});
                pendingSecret = { what: `Key ${made.keyId} created`, key: made.apiKey };
                reload();
                say(`Key ${made.keyId} created.`);
              } catch (err) {
                say(err instanceof ApiError ? err.message : String(err), true);
              }
            },
          },
          h("label", { for: "key-name" }, "New key's label", keyName),
          h("button", { type: "submit" }, "Create key"),
        )
      : null,
    secret,
    h("h2", {}, "OAuth grants"),
    table(
      "OAuth grants",
      ["Grant", "User", "Client", "Ends"],
      grants.map((/** @type {any} */ g) => [h("code", {}, g.id), g.subject, g.clientId, when(g.expiresAt)]),
    ),
    h("h2", {}, "Recent errors"),
    table(
      "Recent errors",
      ["When", "Tool", "Kind", "Duration", "User", "Request id"],
      errors.items.map((/** @type {any} */ e) => [
        when(e.at),
        e.tool,
        e.status,
        `${e.durationMs} ms`,
        e.user,
        h("code", {}, e.requestId),
      ]),
    ),
    h("h2", {}, "Usage, last 30 days"),
    usageCharts(usage, "tenant"),
  );
}

/**
 * Shows a new key, once: it is in this answer only, and leaves the page with the next reload.
 *
 * @param {HTMLElement} where
 * @param {string} what
 * @param {string} key
 */
function showSecret(where, what, key) {
  where.replaceChildren(
    h("p", {}, `${what}, shown this once: copy it now, it cannot be shown again.`),
    h("output", { class: "secret", id: "shown-key" }, key),
  );
}
