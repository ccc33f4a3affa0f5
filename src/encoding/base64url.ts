// Runtime-neutral (Workers and Node both have btoa/atob): the admin CLI seals secrets with the same code.

/** Bytes as base64url without padding (RFC 4648 section 5). */
export function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The bytes of unpadded base64url text; throws on any other character, padding included. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** UTF-8 text as base64url. */
export function textToBase64Url(text: string): string {
  return bytesToBase64Url(new TextEncoder().encode(text));
}

/** The UTF-8 text of base64url; throws on bad characters or bytes that are not UTF-8. */
export function base64UrlToText(text: string): string {
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64UrlToBytes(text));
}
