// @ts-check
import { api, ApiError } from "../api.js";
import { h, say } from "../dom.js";

/**
 * Creates a tenant; its first API key is shown here once, and never again (only a hash of it is stored).
 *
 * @param {{ role: string }} operator
 */
export async function newTenantView(operator) {
  const field = (/** @type {string} */ id, /** @type {string} */ label, /** @type {HTMLElement} */ input) =>
    h("label", { for: id }, label, input);
  const slug = /** @type {HTMLInputElement} */ (
    h("input", { id: "new-slug", required: true, pattern: "[a-z0-9][a-z0-9\\-]{1,62}", autocomplete: "off" })
  );
  const name = /** @type {HTMLInputElement} */ (h("input", { id: "new-name", required: true, autocomplete: "off" }));
  const plan = /** @type {HTMLSelectElement} */ (
    h("select", { id: "new-plan" }, ["free", "pro", "enterprise"].map((p) => h("option", { value: p }, p)))
  );
  const result = h("div", { id: "new-result", "aria-live": "polite" });
  const form = h(
    "form",
    {
      class: "inline",
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        try {
          const made = await api("POST", "/tenants", { slug: slug.value, name: name.value, plan: plan.value });
          form.remove();
          result.replaceChildren(
            h("h2", {}, `Tenant ${made.tenant.slug} created`),
            h("p", {}, "Its first API key, shown this once: copy it now, it cannot be shown again."),
            h("output", { id: "new-key", class: "secret", for: "new-slug" }, made.apiKey),
            h("p", {}, h("a", { href: `#/tenants/${encodeURIComponent(made.tenant.slug)}` }, "Go to the tenant")),
          );
          say(`Tenant ${made.tenant.slug} created.`);
        } catch (err) {
          say(err instanceof ApiError ? err.message : String(err), true);
        }
      },
    },
    field("new-slug", "Slug", slug),
    field("new-name", "Name", name),
    field("new-plan", "Plan", plan),
    h("button", { type: "submit", class: "primary", disabled: operator.role !== "admin" }, "Create tenant"),
  );
  return h(
    "section",
    {},
    h("h1", {}, "New tenant"),
    operator.role === "admin" ? null : h("p", { class: "muted" }, "Your token is a viewer's: it cannot create tenants."),
    form,
    result,
  );
}
