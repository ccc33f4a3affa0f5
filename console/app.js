// @ts-check
/**
 * The console's page: signs in (an operator token exchanged for a session cookie), then routes on the URL's hash
 * (#/tenants, #/tenants/<slug>, #/new, #/usage, #/audit) to one view at a time, each built from the operator API.
 */
import { api, ApiError, setCsrfToken } from "./api.js";
import { say } from "./dom.js";
import { auditView } from "./views/audit.js";
import { newTenantView } from "./views/new-tenant.js";
import { signInView } from "./views/sign-in.js";
import { tenantView } from "./views/tenant.js";
import { tenantsView } from "./views/tenants.js";
import { usageView } from "./views/usage.js";

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {{ id: string, name: string, role: string } | null} */
let operator = null;

async function boot() {
  const session = await api("GET", "/admin/session");
  signedIn(session.operator, session.csrfToken ?? null);
  document.getElementById("sign-out")?.addEventListener("click", signOut);
  window.addEventListener("hashchange", () => void route());
  await route();
}

/**
 * @param {{ id: string, name: string, role: string } | null} who
 * @param {string | null} csrf
 */
function signedIn(who, csrf) {
  operator = who;
  setCsrfToken(csrf);
  /** @type {HTMLElement} */ (document.getElementById("nav")).hidden = who === null;
  /** @type {HTMLElement} */ (document.getElementById("who")).hidden = who === null;
  /** @type {HTMLElement} */ (document.getElementById("who-name")).textContent = who ? `${who.name} (${who.role})` : "";
}

async function signOut() {
  try {
    await api("DELETE", "/admin/session");
  } finally {
    signedIn(null, null);
    location.hash = "";
    await route();
  }
}

async function route() {
  say("");
  const hash = location.hash.replace(/^#/, "") || "/tenants";
  for (const a of document.querySelectorAll("nav a")) {
    const href = a.getAttribute("href")?.slice(1) ?? "";
    if (hash === href || hash.startsWith(`${href}/`)) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  /** @type {HTMLElement} */
  let view;
  try {
    if (operator === null) {
      view = signInView(async (who, csrf) => {
        signedIn(who, csrf);
        await route();
      });
    } else if (hash === "/new") view = await newTenantView(operator);
    else if (hash === "/usage") view = await usageView();
    else if (hash === "/audit") view = await auditView();
    else if (hash.startsWith("/tenants/")) view = await tenantView(decodeURIComponent(hash.slice(9)), operator);
    else view = await tenantsView();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signedIn(null, null);
      return route();
    }
    say(err instanceof Error ? err.message : String(err), true);
    return;
  }
  main.replaceChildren(view);
  const heading = main.querySelector("h1");
  document.title = `${heading?.textContent ?? "Console"} - tenant-mcp`;
  main.focus();
}

void boot();
