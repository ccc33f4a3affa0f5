// @ts-check
import { api } from "../api.js";
import { usageCharts } from "../charts.js";
import { h } from "../dom.js";

/** The whole platform's calls, errors and p95 duration per day over 30 days. */
export async function usageView() {
  const usage = await api("GET", "/usage/daily?days=30");
  const total = usage.calls.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0);
  return h(
    "section",
    {},
    h("h1", {}, "Platform usage"),
    h("p", { class: "muted" }, `${total} tool calls in the last 30 days (UTC), all tenants.`),
    usageCharts(usage, "platform"),
  );
}
