// @ts-check
import { api, ApiError } from "../api.js";
import { h, say } from "../dom.js";

/**
 * The sign-in form: the operator token goes to POST /admin/session once, and is dropped; the browser keeps only the
 * HttpOnly session cookie.
 *
 * @param {(operator: any, csrf: string) => Promise<void>} done
 */
export function signInView(done) {
  const input = /** @type {HTMLInputElement} */ (
    h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false" })
  );
  const form = h(
    "form",
    {
      class: "signin",
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        try {
          const made = await api("POST", "/admin/session", { token: input.value.trim() });
          input.value = "";
          await done(made.operator, made.csrfToken);
        } catch (err) {
          say(err instanceof ApiError ? `Sign-in failed: ${err.message}` : String(err), true);
        }
      },
    },
    h("h1", {}, "Sign in"),
    h("p", {}, "Sign in with an operator token (npm run admin -- operator create)."),
    h("label", { for: "token" }, "Operator token", input),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  return form;
}
