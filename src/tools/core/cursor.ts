import { isUuid } from "../../db/tenant-db.ts";

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
  return base64UrlEncode(JSON.stringify([position.createdAtMicros, position.id]));
}

/**
 * The position in a cursor, or `null` when it is not one of ours. Checked field by field, so a forged cursor can only
 * ever select another page of the caller's own rows, never break the query.
 */
export function decodeCursor(cursor: string): CursorPosition | null {
  let value: unknown;
  try {
    value = JSON.parse(base64UrlDecode(cursor));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [micros, id] = value as unknown[];
  if (!isMicros(micros) || typeof id !== "string" || !isUuid(id)) return null;
  return { createdAtMicros: micros, id };
}

function base64UrlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64UrlDecode(text: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
    Uint8Array.from(binary, (c) => c.charCodeAt(0)),
  );
}
