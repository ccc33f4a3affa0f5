import { API_KEY_PREFIX } from "../auth/api-key.ts";
import { DISPLAY_CONTROL } from "../tools/storable-text.ts";
import { field, invalid, says } from "./errors.ts";

/** {@link DISPLAY_CONTROL}, every occurrence: what a terminal acts on instead of printing. */
const CONTROL = new RegExp(DISPLAY_CONTROL.source, "g");

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Text from the database or the command line, safe to print on a terminal: every control character becomes a visible
 * escape (`\x1b`, `\n`, `\u202e`), so a tenant name cannot move the cursor, clear the screen or forge a table row.
 * Only for human output: `--json` prints values exactly (JSON escapes control characters itself).
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Whether `text` holds a character {@link escapeControls} would escape. */
export function hasControls(text: string): boolean {
  return DISPLAY_CONTROL.test(text);
}

// Anything that starts like a key: `tmcp_<id>_<rest>`, whatever the rest (a truncated or mistyped secret is still
// most of a secret). The id stays visible, since it names the key and is not secret.
const KEY_LIKE = new RegExp(`${API_KEY_PREFIX}([A-Za-z0-9]*)_[^\\s"'\`,;:()<>[\\]{}]+`, "gi");
// The password in a connection URL (`postgres://user:password@host`).
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/@]+@/gi;

/**
 * `text` with every secret it may quote replaced: API keys keep their prefix and id, URL passwords and the given
 * `known` values (the pepper, tokens) become `***`. For anything the CLI prints that quotes its input or an error.
 */
export function redactSecrets(text: string, known: readonly string[] = []): string {
  let out = text.replace(KEY_LIKE, `${API_KEY_PREFIX}$1_***`).replace(URL_PASSWORD, "$1***@");
  // Short values would blank out ordinary words; real peppers and tokens are long.
  for (const secret of known) if (secret.length >= 8) out = out.split(secret).join("***");
  return out;
}

/** Whether `text` contains something shaped like an API key. */
function looksLikeApiKey(text: string): boolean {
  return new RegExp(KEY_LIKE.source, "i").test(text);
}

/**
 * What is wrong with a name or label the CLI stores and later shows, or undefined: control characters (they have no
 * use in a label and would garble every listing), or an API key (it would be stored and shown in clear). Worded to
 * follow the field's name, and never quoting the value.
 */
export function labelProblem(value: string): string | undefined {
  if (hasControls(value)) return "must not contain control characters (such as newlines or escape sequences)";
  if (looksLikeApiKey(value)) return "must not contain an API key: it would be stored and shown in clear";
  return undefined;
}

/** Throws an `invalid` error about the input field `fieldName` when {@link labelProblem} finds one. */
export function checkLabel(value: string, fieldName: string): void {
  const problem = labelProblem(value);
  if (problem) throw invalid(fieldName, says`${field(fieldName)} ${problem}`);
}
