/**
 * Text Postgres cannot store: NUL (`text` refuses it with 22021, `jsonb` with 22P05) and unpaired UTF-16 surrogates
 * (no UTF-8 encoding: the driver would silently store U+FFFD instead). Paired surrogates (emoji) are ordinary text.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Characters that make text display as something other than what it is: C0 controls and DEL (ESC starts a terminal
 * sequence, CR and LF forge lines), C1 controls (U+009B is a one-character CSI on some terminals), the line and
 * paragraph separators, and the bidirectional overrides and isolates (CVE-2021-42574, "Trojan Source"). Storable, but
 * refused in names (workspace names here, sql/006 the same set) and escaped wherever the admin CLI prints text.
 */
export const DISPLAY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** What a client is told about unstorable text, after the path of the offending value. */
const UNSTORABLE_TEXT_MESSAGE = "must not contain NUL (\\u0000) or unpaired surrogate characters";

/**
 * The dotted path (`items.0.title`) of the first string or object key in a parsed JSON value that Postgres cannot
 * store, or `undefined` when there is none. A key is reported at the path of its object. Iterative, so a deeply
 * nested body cannot overflow the stack; JSON values have no cycles.
 */
export function findUnstorableText(value: unknown): string | undefined {
  const pending: { value: unknown; path: string }[] = [{ value, path: "" }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: v, path } = next;
    if (typeof v === "string") {
      if (UNSTORABLE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) pending.push({ value: v[i], path: join(path, String(i)) });
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      for (const [k] of entries) if (UNSTORABLE.test(k)) return path;
      for (let i = entries.length - 1; i >= 0; i--)
        pending.push({ value: entries[i]![1], path: join(path, entries[i]![0]) });
    }
  }
  return undefined;
}

/** The validation message for unstorable text at `path`, in the form of `formatIssues` (`Invalid arguments: ...`). */
export function unstorableTextIssue(path: string): string {
  return `Invalid arguments: ${path ? `${path}: ` : ""}${UNSTORABLE_TEXT_MESSAGE}`;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
