/** A timestamptz as the driver returns it (a Date, or text in JSON results) in ISO 8601 UTC. */
export function iso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** {@link iso} of a nullable column: null (or no value at all) stays null. */
export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}
