// @ts-check
import { api } from "../api.js";
import { h, table, when } from "../dom.js";

/** The operator audit log, newest first, 50 entries a page. */
export async function auditView() {
  const tenant = /** @type {HTMLInputElement} */ (h("input", { id: "audit-tenant", autocomplete: "off" }));
  const results = h("div", { id: "audit-results" });
  /** @param {string | null} cursor */
  const load = async (cursor) => {
    const q = new URLSearchParams({ limit: "50" });
    if (tenant.value.trim()) q.set("tenant", tenant.value.trim());
    if (cursor) q.set("cursor", cursor);
    const page = await api("GET", `/audit?${q}`);
    const rows = page.entries.map((/** @type {any} */ e) => [
      when(e.at),
      `${e.operatorName}${e.operatorRole ? ` (${e.operatorRole})` : ""}`,
      e.action,
      e.tenantSlug ?? "",
      e.target ?? "",
      String(e.status),
      e.requestId ?? "",
    ]);
    results.replaceChildren(
      table("Operator audit log", ["When", "Who", "Action", "Tenant", "Target", "Status", "Request id"], rows),
      page.nextCursor
        ? h("button", { type: "button", onclick: () => void load(page.nextCursor) }, "Older entries")
        : null,
    );
  };
  await load(null);
  return h(
    "section",
    {},
    h("h1", {}, "Operator audit log"),
    h(
      "form",
      {
        class: "inline",
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          void load(null);
        },
      },
      h("label", { for: "audit-tenant" }, "Tenant slug", tenant),
      h("button", { type: "submit" }, "Filter"),
    ),
    results,
  );
}
