import { isUuid } from "../../db/tenant-db.ts";
import { base64UrlToText, textToBase64Url } from "../../encoding/base64url.ts";

/**
 * The position after a row in (created_at DESC, id ASC) order. `createdAtMicros` is microseconds since the epoch as a
 * decimal string: Postgres keeps microseconds, a JS Date only milliseconds, and rounding would skip or repeat rows.
 */
export interface CursorPosition {
  createdAtMicros: string;
  id: string;
}

const MICROS = /^-?\d{1,17}$/;

/** Whether `text` is microseconds since the epoch as Postgres writes them (`::bigint::text`), checked before reuse. */
export function isMicros(text: unknown): text is string {
  return typeof text === "string" && MICROS.test(text);
}

/** An opaque, URL-safe cursor for a position. */
export function encodeCursor(position: CursorPosition): string {
  return textToBase64Url(JSON.stringify([position.createdAtMicros, position.id]));
}

/**
 * The position in a cursor, or `null` when it is not one of ours. Checked field by field, so a forged cursor can only
 * ever select another page of the caller's own rows, never break the query.
 */
export function decodeCursor(cursor: string): CursorPosition | null {
  let value: unknown;
  try {
    value = JSON.parse(base64UrlToText(cursor));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [micros, id] = value as unknown[];
  if (!isMicros(micros) || typeof id !== "string" || !isUuid(id)) return null;
  return { createdAtMicros: micros, id };
}
