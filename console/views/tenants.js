// @ts-check
import { all, api } from "../api.js";
import { badge, h, table } from "../dom.js";

/** The tenant list: search by slug or name, filter by status, with this month's quota use. */
export async function tenantsView() {
  const [tenants, quota] = await Promise.all([all("/tenants"), api("GET", "/quota")]);
  /** @type {Map<string, { used: number, quota: number | null, percent: number | null }>} */
  const use = new Map(quota.tenants.map((/** @type {any} */ q) => [q.tenant, q]));
  const search = /** @type {HTMLInputElement} */ (h("input", { id: "tenant-search", type: "search" }));
  const status = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      { id: "tenant-status" },
      h("option", { value: "" }, "any"),
      h("option", { value: "active" }, "active"),
      h("option", { value: "suspended" }, "suspended"),
    )
  );
  const results = h("div", { id: "tenant-results", "aria-live": "polite" });
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const shown = tenants.filter(
      (t) =>
        (status.value === "" || t.status === status.value) &&
        (q === "" || t.slug.includes(q) || t.name.toLowerCase().includes(q)),
    );
    results.replaceChildren(
      h("p", { class: "muted" }, `${shown.length} of ${tenants.length} tenants`),
      table(
        "Tenants",
        ["Slug", "Name", "Plan", "Status", "Tier", "Quota use this month"],
        shown.map((t) => {
          const u = use.get(t.slug);
          return [
            h("a", { href: `#/tenants/${encodeURIComponent(t.slug)}` }, t.slug),
            t.name,
            t.plan,
            badge(t.status),
            t.isolation,
            u ? `${u.used}${u.quota === null ? " (unlimited)" : ` of ${u.quota} (${u.percent}%)`}` : "-",
          ];
        }),
        "No tenant matches.",
      ),
    );
  };
  search.addEventListener("input", render);
  status.addEventListener("change", render);
  render();
  return h(
    "section",
    {},
    h("h1", {}, "Tenants"),
    h(
      "form",
      { class: "inline", role: "search", onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
      h("label", { for: "tenant-search" }, "Search slug or name", search),
      h("label", { for: "tenant-status" }, "Status", status),
    ),
    results,
  );
}
