/**
 * What went wrong in a control-plane operation, by kind, so each adapter can answer in its own terms: the admin CLI
 * maps a kind to an exit code, an HTTP API would map it to a status (400, 404, 409, 503).
 * - `invalid`: the input is wrong; retrying it as it is cannot work.
 * - `not_found`: the tenant, key or workspace it names does not exist (or is not in scope).
 * - `conflict`: the input is fine, but the current state refuses it (a slug taken, a key no longer active).
 * - `unavailable`: the database or Redis could not be reached; what was committed says the message.
 */
export type ControlErrorKind = "invalid" | "not_found" | "conflict" | "unavailable";

/** A reference to an input field inside a message, which each adapter renders in its own terms (`--slug`, `slug`). */
export class FieldRef {
  readonly field: string;

  constructor(field: string) {
    this.field = field;
  }
}

/** A message as text and field references, in order. Build one with {@link says}. */
export type MessageParts = readonly (string | FieldRef)[];

/**
 * A message that names input fields: `` says`${field("slug")} must be ...` `` keeps the reference, and any other
 * value becomes text.
 */
export function says(strings: TemplateStringsArray, ...values: unknown[]): MessageParts {
  const parts: (string | FieldRef)[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push(s);
    if (i < values.length) {
      const v = values[i];
      parts.push(v instanceof FieldRef ? v : String(v));
    }
  });
  return parts;
}

/** A reference to the input field `name`, for {@link says}. */
export function field(name: string): FieldRef {
  return new FieldRef(name);
}

/** Options of {@link ControlError}. */
export interface ControlErrorOptions {
  /** The input field the error is about, if one is (e.g. `slug`). Default none. */
  field?: string;
  cause?: unknown;
}

/**
 * The one error type of the control-plane services. `message` names fields as they are called in the services'
 * inputs (`slug must be ...`); {@link ControlError.render} names them the way an adapter's user knows them. Messages
 * may quote the input, so an adapter that prints them must still make them safe to print. Anything else thrown is a
 * bug or a database error with a SQLSTATE, which the adapter describes itself.
 */
export class ControlError extends Error {
  readonly kind: ControlErrorKind;
  /** The input field the error is about, when there is one. */
  readonly field: string | undefined;
  readonly parts: MessageParts;

  constructor(kind: ControlErrorKind, message: string | MessageParts, options: ControlErrorOptions = {}) {
    const parts = typeof message === "string" ? [message] : message;
    super(
      renderMessage(parts, (f) => f),
      { cause: options.cause },
    );
    this.name = "ControlError";
    this.kind = kind;
    this.field = options.field;
    this.parts = parts;
  }

  /** The message with each field named by `name` (e.g. its command-line flag). */
  render(name: (field: string) => string): string {
    return renderMessage(this.parts, name);
  }
}

/** An `invalid` error about `fieldName`. */
export function invalid(fieldName: string | undefined, message: string | MessageParts): ControlError {
  return new ControlError("invalid", message, { field: fieldName });
}

/** `parts` as text, each field named by `name`: the field itself for an API, its flag for the CLI. */
export function renderMessage(parts: MessageParts, name: (field: string) => string): string {
  return parts.map((p) => (typeof p === "string" ? p : name(p.field))).join("");
}

/**
 * The reason behind a transport failure in one line: drivers wrap the useful part ("connect ECONNREFUSED
 * 127.0.0.1:4444") a few causes deep under generic messages ("fetch failed").
 */
export function reasonOf(err: unknown): string {
  const parts: string[] = [];
  // The Neon driver keeps the underlying error in `sourceError`, fetch in `cause`.
  const next = (c: unknown): unknown =>
    (c as { cause?: unknown }).cause ?? (c as { sourceError?: unknown }).sourceError;
  for (let c: unknown = err; c && parts.length < 4; c = next(c)) {
    const part = (c as Error).message || (c as { code?: string }).code || String(c);
    if (!parts.some((p) => p.includes(part))) parts.push(part);
  }
  return parts.join(": ").replace(/\s*\n\s*/g, " ") || String(err);
}
